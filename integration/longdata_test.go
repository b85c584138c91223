package integration

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"testing"
	"time"
)

// Values of 16 MB and more travel in several protocol packets (0xffffff
// bytes each): a text INSERT of 20 MB, a binary execute of 20 MB, the same
// value sent with COM_STMT_SEND_LONG_DATA, and 20 MB rows read back in
// both protocols, through the proxy and compared byte for byte with what
// the shard stored. The shard's max_allowed_packet is 32 MB, the proxy's
// frontend.max_packet_size 128 MB: a command the shard would refuse gets
// MariaDB's 1153 from the proxy.
func TestLongDataThroughProxy(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{
		mariaArgs: []string{"--max-allowed-packet=32M"},
		extra:     "frontend: {max_packet_size: 128MB}",
	})
	ctx := testCtx(t, 3*time.Minute)
	shard := f.shard(t, "shop")
	mustExec(t, shard, "CREATE TABLE big (id INT PRIMARY KEY, v LONGBLOB)")

	value := make([]byte, 20<<20)
	if _, err := rand.Read(value); err != nil {
		t.Fatal(err)
	}
	// The driver's own limit is raised so that it sends what the shard
	// must judge; maxAllowedPacket=4 MB makes it send the 20 MB argument
	// as COM_STMT_SEND_LONG_DATA chunks of 4 MB.
	ways := []struct {
		name, params string
	}{
		{"text query", "interpolateParams=true&maxAllowedPacket=134217728"},
		{"binary execute", "maxAllowedPacket=134217728"},
		{"long data", "maxAllowedPacket=4194304"},
	}
	for i, w := range ways {
		db := f.db(t, "shop", w.params)
		mustExec(t, db, "INSERT INTO big VALUES (?, ?)", i, value)
		var stored []byte
		if err := shard.QueryRowContext(ctx, "SELECT v FROM big WHERE id = ?", i).Scan(&stored); err != nil {
			t.Fatalf("%s: reading the shard: %v", w.name, err)
		}
		if !bytes.Equal(stored, value) {
			t.Fatalf("%s: the shard stored %d bytes, not the %d sent", w.name, len(stored), len(value))
		}
		// Read back through the proxy: a text result, then a binary one.
		for _, q := range []struct {
			name string
			run  func() *sql.Row
		}{
			{"text", func() *sql.Row { return db.QueryRowContext(ctx, sprintf("SELECT v FROM big WHERE id = %d", i)) }},
			{"binary", func() *sql.Row { return db.QueryRowContext(ctx, "SELECT v FROM big WHERE id = ?", i) }},
		} {
			var got []byte
			if err := q.run().Scan(&got); err != nil {
				t.Fatalf("%s: %s read through the proxy: %v", w.name, q.name, err)
			}
			if !bytes.Equal(got, value) {
				t.Fatalf("%s: %s read through the proxy gave %d bytes, not the %d stored", w.name, q.name, len(got), len(value))
			}
		}
	}
	// Two rows of 20 MB in one result: the large rows and the small
	// packets around them keep their order and numbering.
	var n, total int64
	if err := f.db(t, "shop", "").QueryRowContext(ctx, "SELECT COUNT(*), SUM(LENGTH(v)) FROM big").Scan(&n, &total); err != nil || n != 3 || total != 3*int64(len(value)) {
		t.Fatalf("count %d, total %d, %v", n, total, err)
	}
	rows, err := f.db(t, "shop", "").QueryContext(ctx, "SELECT id, v FROM big ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; rows.Next(); i++ {
		var id int
		var got []byte
		if err := rows.Scan(&id, &got); err != nil || id != i || !bytes.Equal(got, value) {
			t.Fatalf("row %d: id %d, %d bytes, %v", i, id, len(got), err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	t.Run("over the shard's max_allowed_packet", func(t *testing.T) {
		huge := bytes.Repeat([]byte("z"), 40<<20)
		// A 40 MB text query: MariaDB answers 1153 and closes the
		// connection, often before the client has finished writing (the
		// driver then sees a reset, not the error); the proxy answers
		// 1153 without sending it, and the session goes on.
		db := f.db(t, "shop", "interpolateParams=true&maxAllowedPacket=134217728")
		db.SetMaxOpenConns(1)
		_, err = db.ExecContext(ctx, "INSERT INTO big VALUES (?, ?)", 10, huge)
		wantMySQLError(t, err, 1153, "08S01")
		if got := queryInt(t, db, "SELECT COUNT(*) FROM big"); got != 3 {
			t.Fatalf("%d rows after the refused insert, want 3", got)
		}

		// 40 MB of long data in 16 MB chunks: each chunk fits, the
		// value does not; the shard says so at execute, as directly.
		const chunked = "maxAllowedPacket=16777216"
		directLong, err := sql.Open("mysql", f.s0.DSN("shop")+"?"+chunked)
		if err != nil {
			t.Fatal(err)
		}
		defer directLong.Close()
		_, derr := directLong.ExecContext(ctx, "INSERT INTO big VALUES (?, ?)", 11, huge)
		if derr == nil {
			t.Fatal("direct: 40 MB of long data accepted by a shard with max_allowed_packet 32 MB")
		}
		_, perr := f.db(t, "shop", chunked).ExecContext(ctx, "INSERT INTO big VALUES (?, ?)", 11, huge)
		if perr == nil || perr.Error() != derr.Error() {
			t.Fatalf("through the proxy: %v\ndirectly: %v", perr, derr)
		}
		f.assertAlive(t)
	})
}
