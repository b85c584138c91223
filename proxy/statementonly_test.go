package proxy

import (
	"errors"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestStatementOnly: only a server error of a kind that rolls back the
// statement alone leaves the transaction going on (once the parts that ran
// before are undone); a lost connection, or a deadlock or lock wait timeout
// (which end the transaction) do not.
func TestStatementOnly(t *testing.T) {
	dup := mysql.NewError(mysql.ER_DUP_ENTRY, "Duplicate entry")
	tests := []struct {
		name   string
		lost   error
		srvErr *mysql.MyError
		want   bool
	}{
		{"duplicate key on the first shard", nil, dup, true},
		{"bad value on the first shard", nil, mysql.NewError(mysql.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, "Incorrect integer value"), true},
		{"connection lost", errors.New("EOF"), nil, false},
		{"no server error", nil, nil, false},
		{"deadlock", nil, mysql.NewError(mysql.ER_LOCK_DEADLOCK, "Deadlock"), false},
		{"lock wait timeout", nil, mysql.NewError(mysql.ER_LOCK_WAIT_TIMEOUT, "Lock wait timeout"), false},
		{"XA rolled back", nil, mysql.NewError(mysql.ER_XA_RBROLLBACK, "rolled back"), false},
		{"XA deadlock", nil, mysql.NewError(mysql.ER_XA_RBDEADLOCK, "deadlock"), false},
		{"XA timeout", nil, mysql.NewError(mysql.ER_XA_RBTIMEOUT, "timeout"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statementOnly(tt.lost, tt.srvErr); got != tt.want {
				t.Errorf("statementOnly(%v, %v) = %v, want %v", tt.lost, tt.srvErr, got, tt.want)
			}
		})
	}
}
