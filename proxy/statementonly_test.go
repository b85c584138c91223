package proxy

import (
	"errors"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestStatementOnly: only a server error on the first shard a multi-shard
// write reaches, of a kind that rolls back the statement alone, leaves the
// transaction going on; a later shard's error, a lost connection, or a
// deadlock or lock wait timeout (which end the transaction) do not.
func TestStatementOnly(t *testing.T) {
	dup := mysql.NewError(mysql.ER_DUP_ENTRY, "Duplicate entry")
	tests := []struct {
		name   string
		i      int
		lost   error
		srvErr *mysql.MyError
		want   bool
	}{
		{"duplicate key on the first shard", 0, nil, dup, true},
		{"bad value on the first shard", 0, nil, mysql.NewError(mysql.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, "Incorrect integer value"), true},
		{"on a later shard", 1, nil, dup, false},
		{"connection lost", 0, errors.New("EOF"), nil, false},
		{"no server error", 0, nil, nil, false},
		{"deadlock", 0, nil, mysql.NewError(mysql.ER_LOCK_DEADLOCK, "Deadlock"), false},
		{"lock wait timeout", 0, nil, mysql.NewError(mysql.ER_LOCK_WAIT_TIMEOUT, "Lock wait timeout"), false},
		{"XA rolled back", 0, nil, mysql.NewError(mysql.ER_XA_RBROLLBACK, "rolled back"), false},
		{"XA deadlock", 0, nil, mysql.NewError(mysql.ER_XA_RBDEADLOCK, "deadlock"), false},
		{"XA timeout", 0, nil, mysql.NewError(mysql.ER_XA_RBTIMEOUT, "timeout"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statementOnly(tt.i, tt.lost, tt.srvErr); got != tt.want {
				t.Errorf("statementOnly(%d, %v, %v) = %v, want %v", tt.i, tt.lost, tt.srvErr, got, tt.want)
			}
		})
	}
}
