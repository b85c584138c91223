package proxy

import (
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// oneShardConfig is a deployment of one shard: its transactions are plain.
const oneShardConfig = `listen: 127.0.0.1:0
users: [{name: app, password: app-pw}]
shards: [{name: s0, dsn: "root@tcp(fake-s0:3306)/"}]
schemas:
  - name: shop
    default_shard: s0
backend: {max_open: 4, connect_timeout: 2s, wait_timeout: 2s}
`

func TestPlainTransactionsWithOneShard(t *testing.T) {
	const (
		ins  = "INSERT INTO t (id) VALUES (1)"
		upd  = "UPDATE t SET v = 1 WHERE id = 2"
		wait = "UPDATE t SET v = 2 WHERE id = 3" // answers 1205
	)
	tests := []struct {
		name  string
		stmts []string
		// errAt is the index of the statement that fails with 1205 (-1:
		// none); want is what the shard's one connection receives.
		errAt int
		want  []string
	}{
		{
			name:  "commit",
			stmts: []string{"BEGIN", ins, upd, plainCommit},
			errAt: -1,
			want:  []string{"START TRANSACTION; " + ins, upd, plainCommit},
		},
		{
			name:  "rollback",
			stmts: []string{"START TRANSACTION", ins, plainRollback},
			errAt: -1,
			want:  []string{"START TRANSACTION; " + ins, plainRollback},
		},
		{
			name:  "autocommit=0 starts it with the first statement",
			stmts: []string{"SET autocommit = 0", ins, plainCommit},
			errAt: -1,
			want:  []string{"START TRANSACTION; " + ins, plainCommit},
		},
		{
			name:  "savepoints set before the first statement go with it",
			stmts: []string{"BEGIN", "SAVEPOINT a", ins, "ROLLBACK TO SAVEPOINT a", "COMMIT"},
			errAt: -1,
			want:  []string{"START TRANSACTION; SAVEPOINT `a`", ins, "ROLLBACK TO SAVEPOINT `a`", plainCommit},
		},
		{
			// MariaDB rolls back only the statement that timed out: the
			// transaction goes on, and COMMIT commits the rest.
			name:  "a lock wait timeout keeps the transaction",
			stmts: []string{"BEGIN", ins, wait, upd, plainCommit},
			errAt: 2,
			// SHOW WARNINGS: the failed statement's conditions, for the
			// session's diagnostics (diag.go).
			want: []string{"START TRANSACTION; " + ins, wait, "SHOW WARNINGS", upd, plainCommit},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnvWith(t, oneShardConfig)
			f := e.shards["s0"]
			f.On("INSERT INTO t", fakeshard.Answer{Affected: 1})
			f.On(upd, fakeshard.Answer{Affected: 1, Info: "Rows matched: 1  Changed: 1  Warnings: 0"})
			f.On(wait, fakeshard.Answer{Err: mysql.NewError(mysql.ER_LOCK_WAIT_TIMEOUT, "Lock wait timeout exceeded; try restarting transaction")})
			c := e.connect(t)
			for i, q := range tt.stmts {
				_, err := c.Execute(q)
				if i == tt.errAt {
					if me, ok := err.(*mysql.MyError); !ok || me.Code != mysql.ER_LOCK_WAIT_TIMEOUT {
						t.Fatalf("%s: %v, want error 1205", q, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			waitFor(t, "every connection back in its pool", e.idle)
			var used [][]string
			for _, id := range f.Conns() {
				if qs := clientQueries(e.queries("s0", id)); len(qs) > 0 {
					used = append(used, qs)
				}
			}
			if len(used) != 1 || !slices.Equal(used[0], tt.want) {
				t.Errorf("s0 received %q, want on one connection %q", used, tt.want)
			}
		})
	}
}

// TestPlainEndReadsLastInsertID: a plain transaction whose INSERT named an
// insert id reads the connection's LAST_INSERT_ID() back in the round trip
// of its COMMIT or ROLLBACK, not in one of its own after it.
func TestPlainEndReadsLastInsertID(t *testing.T) {
	const ins = "INSERT INTO t (v) VALUES (1)"
	for _, end := range []string{plainCommit, plainRollback} {
		t.Run(end, func(t *testing.T) {
			e := newFakeEnvWith(t, oneShardConfig)
			f := e.shards["s0"]
			f.On(ins, fakeshard.Answer{Affected: 1, InsertID: 7})
			c := e.connect(t)
			exec(t, c, "BEGIN", ins, end)
			waitFor(t, "every connection back in its pool", e.idle)
			want := []string{"START TRANSACTION; " + ins, "SELECT @@last_insert_id LIMIT 1; " + end}
			var used [][]string
			for _, id := range f.Conns() {
				if qs := clientQueries(e.queries("s0", id)); len(qs) > 0 {
					used = append(used, qs)
				}
			}
			if len(used) != 1 || !slices.Equal(used[0], want) {
				t.Errorf("s0 received %q, want on one connection %q", used, want)
			}
		})
	}
}

// TestPlainCommitRefusedThenRollbackFails: when the shard refuses the
// COMMIT and then the proxy's ROLLBACK too, the connection may still be
// in the transaction: it is closed, never pooled for another session.
func TestPlainCommitRefusedThenRollbackFails(t *testing.T) {
	const ins = "INSERT INTO t (id) VALUES (1)"
	e := newFakeEnvWith(t, oneShardConfig)
	f := e.shards["s0"]
	f.On(ins, fakeshard.Answer{Affected: 1})
	f.On("COMMIT", fakeshard.Answer{Err: mysql.NewError(mysql.ER_ERROR_DURING_COMMIT, "Got error 1 during COMMIT")})
	f.On("ROLLBACK", fakeshard.Answer{Err: mysql.NewError(mysql.ER_QUERY_INTERRUPTED, "Query execution was interrupted")})
	c := e.connect(t)
	for _, q := range []string{"BEGIN", ins} {
		if _, err := c.Execute(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := c.Execute("COMMIT"); errCode(err) != mysql.ER_ERROR_DURING_COMMIT {
		t.Fatalf("COMMIT: %v, want error 1180", err)
	}
	waitFor(t, "every connection back in its pool", e.idle)
	var rolledBack []uint32
	for _, id := range f.Conns() {
		if slices.Contains(e.queries("s0", id), plainRollback) {
			rolledBack = append(rolledBack, id)
		}
	}
	if len(rolledBack) != 1 {
		t.Fatalf("ROLLBACK sent on connections %v, want one", rolledBack)
	}
	waitFor(t, "the connection whose ROLLBACK failed closed", func() bool { return f.Closed(rolledBack[0]) })
}
