//go:build bench

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The single-shard workload: one client, BEGIN; two UPDATEs; COMMIT (the
// transaction of issue 15's table), in sbtest.single_kv on m0, through the
// one-shard proxy or directly.
const (
	singleRows       = 1000
	singleStatements = 4
)

func createSingleTable(ctx context.Context, t *testing.T, top *topology) {
	t.Helper()
	db := top.m0.DB(t, dbSB)
	mustExec(ctx, t, db, "CREATE TABLE single_kv (id INT NOT NULL PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB")
	var b strings.Builder
	b.WriteString("INSERT INTO single_kv (id, n) VALUES ")
	for id := 1; id <= singleRows; id++ {
		if id > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "(%d,0)", id)
	}
	mustExec(ctx, t, db, b.String())
}

type singleTx struct {
	conn *sql.Conn
	rng  *rand.Rand
}

func (c *singleTx) Do(ctx context.Context) error {
	id := 1 + c.rng.IntN(singleRows-1)
	return inTransaction(ctx, c.conn,
		stmt{"UPDATE single_kv SET n = n + 1 WHERE id = ?", []any{id}},
		stmt{"UPDATE single_kv SET n = n - 1 WHERE id = ?", []any{id + 1}})
}

func (c *singleTx) Close() { c.conn.Close() }

// singleClient opens the one client of a side on dsn (arguments
// interpolated: one round trip per statement on both sides).
func singleClient(ctx context.Context, t *testing.T, dsn string) txClient {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	return &singleTx{conn: conn, rng: rand.New(rand.NewPCG(1, 2))}
}
