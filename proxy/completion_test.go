package proxy

import (
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

func TestSaysNo(t *testing.T) {
	tests := []struct {
		sql, word string
		want      bool
	}{
		{"COMMIT", "CHAIN", false},
		{"COMMIT AND NO CHAIN", "CHAIN", true},
		{"commit work and no chain;", "CHAIN", true},
		{"COMMIT AND CHAIN NO RELEASE", "CHAIN", false},
		{"COMMIT AND CHAIN NO RELEASE", "RELEASE", true},
		{"ROLLBACK\n NO\tRELEASE", "RELEASE", true},
		{"ROLLBACK RELEASE", "RELEASE", false},
		{"COMMIT /* AND NO CHAIN */", "CHAIN", false},
		{"COMMIT -- NO CHAIN\n", "CHAIN", false},
		{"COMMIT # NO RELEASE", "RELEASE", false},
		{"COMMIT AND /* x */ NO /* y */ CHAIN", "CHAIN", true},
		{"COMMIT AND NO-- x\nCHAIN", "CHAIN", true},
		{"COMMIT NOCHAIN", "CHAIN", false},
	}
	for _, tt := range tests {
		if got := saysNo(tt.sql, tt.word); got != tt.want {
			t.Errorf("saysNo(%q, %s) = %v, want %v", tt.sql, tt.word, got, tt.want)
		}
	}
}

func TestHasWords(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"START TRANSACTION WITH CONSISTENT SNAPSHOT", true},
		{"start transaction with /* x */ consistent\nsnapshot", true},
		{"START TRANSACTION /* WITH CONSISTENT SNAPSHOT */", false},
		{"START TRANSACTION READ ONLY", false},
	}
	for _, tt := range tests {
		if got := hasWords(tt.sql, "CONSISTENT", "SNAPSHOT"); got != tt.want {
			t.Errorf("hasWords(%q) = %v, want %v", tt.sql, got, tt.want)
		}
	}
}

// TestChainKeepsCharacteristics: as on MariaDB, COMMIT AND CHAIN (and a
// COMMIT under completion_type CHAIN) starts a transaction with the ended
// one's access mode and isolation level.
func TestChainKeepsCharacteristics(t *testing.T) {
	const (
		sel = "SELECT v FROM t WHERE id = 1"
		ins = "INSERT INTO t (id) VALUES (1)"
	)
	for _, chain := range []string{"COMMIT AND CHAIN", "ROLLBACK AND CHAIN"} {
		t.Run(chain, func(t *testing.T) {
			e := newFakeEnvWith(t, oneShardConfig)
			f := e.shards["s0"]
			f.On(sel, fakeshard.Rows([]string{"v"}, []any{"1"}))
			f.On("INSERT INTO t", fakeshard.Answer{Affected: 1})
			c := e.connect(t)
			for _, q := range []string{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "START TRANSACTION READ ONLY", sel, chain} {
				if _, err := c.Execute(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := c.Execute(ins); errCode(err) != mysql.ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION {
				t.Fatalf("%s after %s: %v, want error 1792", ins, chain, err)
			}
			for _, q := range []string{sel, "COMMIT"} {
				if _, err := c.Execute(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			waitFor(t, "every connection back in its pool", e.idle)
			var got []string
			for _, id := range f.Conns() {
				got = append(got, clientQueries(e.queries("s0", id))...)
			}
			end := plainCommit
			if chain == "ROLLBACK AND CHAIN" {
				end = plainRollback
			}
			iso := "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"
			want := []string{iso, "START TRANSACTION; " + sel, end, iso, "START TRANSACTION; " + sel, plainCommit}
			if !slices.Equal(got, want) {
				t.Errorf("s0 received %q, want %q", got, want)
			}
		})
	}
}
