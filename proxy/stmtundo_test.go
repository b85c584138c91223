package proxy

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestFakeReservedSavepointRefused: the savepoint the proxy sets before each
// part of a multi-shard write is refused to clients in a transaction over
// shards: the next such write would move theirs, and ROLLBACK TO it would
// keep what that write did on its first shards. Other names run.
func TestFakeReservedSavepointRefused(t *testing.T) {
	tests := []struct {
		stmt    string
		refused bool
	}{
		{"SAVEPOINT __xaproxy_stmt", true},
		{"SAVEPOINT `__XAPROXY_STMT`", true},
		{"SAVEPOINT __xaproxy_stmt2", false},
		{"SAVEPOINT a", false},
	}
	for _, tt := range tests {
		t.Run(tt.stmt, func(t *testing.T) {
			e := newFakeEnv(t)
			c := e.connect(t)
			exec(t, c, "BEGIN")
			_, err := c.Execute(tt.stmt)
			me, isMy := err.(*mysql.MyError)
			switch {
			case tt.refused && (!isMy || me.Code != mysql.ER_NOT_SUPPORTED_YET):
				t.Errorf("%s: %v, want error %d", tt.stmt, err, mysql.ER_NOT_SUPPORTED_YET)
			case !tt.refused && err != nil:
				t.Errorf("%s: %v, want OK", tt.stmt, err)
			}
			exec(t, c, "ROLLBACK")
		})
	}
}
