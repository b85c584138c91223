package integration

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestShardedAutoIncrement: a sharded table with an AUTO_INCREMENT column
// gets its ids from the proxy's sequence in etcd.
//   - 8 sessions insert single and 3-row statements while the proxy is
//     killed (SIGKILL) and started again; afterwards every id is unique over
//     both shards, the rows are on both shards, each statement's OK insert
//     id is its first row's id (the 3 rows consecutive), each session's
//     LAST_INSERT_ID() is the id of its own last insert, and ids given
//     after the restart are above all given before (no block reused).
//   - An explicit id leaves LAST_INSERT_ID() alone, names itself in the OK
//     packet, and later ids go above it; RETURNING returns generated ids.
func TestShardedAutoIncrement(t *testing.T) {
	etcd := harness.StartEtcd(t)
	shards, p := startShardsEtcd(t, 2, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: ai_rows, shard_key: who, algorithm: mod}
		`, []string{etcd.Endpoint()})
	ctx := testCtx(t, 4*time.Minute)
	db := p.DB(t, appUser, appPass, "shop", "")
	mustExec(t, db, "CREATE TABLE ai_rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, who INT NOT NULL, n INT NOT NULL)")

	const sessions, perSession = 8, 30
	type insert struct {
		who, n, rows int
		first        int64
		afterKill    bool
	}
	var (
		mu      sync.Mutex
		done    []insert
		killed  bool
		lastIDs = make([]int64, sessions)
	)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < sessions; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var conn *sql.Conn
			// At least perSession inserts, and on until 5 succeeded after
			// the restart: the kill must fall among the inserts.
			afterOK := 0
			for n := 0; (n < perSession || afterOK < 5) && ctx.Err() == nil; {
				if conn == nil {
					c, err := db.Conn(ctx)
					if err != nil {
						time.Sleep(100 * time.Millisecond)
						continue
					}
					conn = c
				}
				rows := 1 + 2*(n%2) // 1 or 3 rows
				q := fmt.Sprintf("INSERT INTO ai_rows (who, n) VALUES (%d, %d)", w, n)
				for i := 1; i < rows; i++ {
					q += fmt.Sprintf(", (%d, %d)", w, n)
				}
				mu.Lock()
				after := killed
				mu.Unlock()
				res, err := conn.ExecContext(ctx, q)
				if err != nil {
					// The proxy died: the statement may or may not have run;
					// that id is not checked. Go on with a new session.
					conn.Close()
					conn = nil
					lastIDs[w] = -1
					n++
					continue
				}
				first, err := res.LastInsertId()
				if err != nil {
					t.Error(err)
					return
				}
				var li int64
				if err := conn.QueryRowContext(ctx, "SELECT LAST_INSERT_ID()").Scan(&li); err != nil {
					conn.Close()
					conn = nil
					n++
					continue
				}
				if li != first {
					t.Errorf("session %d: LAST_INSERT_ID() = %d after the insert whose OK packet said %d", w, li, first)
				}
				mu.Lock()
				done = append(done, insert{who: w, n: n, rows: rows, first: first, afterKill: after})
				mu.Unlock()
				if after {
					afterOK++
				}
				lastIDs[w] = first
				n++
				time.Sleep(5 * time.Millisecond)
			}
			// The session's own value, after the others' inserts.
			if conn != nil && lastIDs[w] > 0 {
				var li int64
				if err := conn.QueryRowContext(ctx, "SELECT LAST_INSERT_ID()").Scan(&li); err != nil {
					t.Errorf("session %d: %v", w, err)
				} else if li != lastIDs[w] {
					t.Errorf("session %d: LAST_INSERT_ID() = %d at the end, want its own last id %d", w, li, lastIDs[w])
				}
				conn.Close()
			}
		}()
	}
	close(start)
	// Kill once some inserts succeeded, not after a fixed delay: on a
	// loaded machine none may have run in time, and the test then only
	// fails for want of inserts before the kill.
	for ctx.Err() == nil {
		mu.Lock()
		n := len(done)
		mu.Unlock()
		if n >= sessions*perSession/3 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Kill(t)
	mu.Lock()
	killed = true
	mu.Unlock()
	p.Start(t)
	wg.Wait()

	// Every id once over both shards, rows on both.
	ids := map[int64]int{}
	for i, s := range shards {
		rows, err := s.DB(t, "shop").QueryContext(ctx, "SELECT id, who FROM ai_rows")
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for rows.Next() {
			var id int64
			var who int
			if err := rows.Scan(&id, &who); err != nil {
				t.Fatal(err)
			}
			if _, dup := ids[id]; dup {
				t.Errorf("id %d is on two rows", id)
			}
			ids[id] = who
			count++
		}
		rows.Close()
		if count == 0 {
			t.Errorf("shard %d holds no rows", i)
		}
	}
	// Each statement's rows are where its OK packet said, ids consecutive;
	// ids after the kill above all before it.
	var maxBefore, minAfter int64 = 0, 1 << 62
	before, after := 0, 0
	for _, d := range done {
		if d.afterKill {
			after++
		} else {
			before++
		}
		for i := 0; i < d.rows; i++ {
			if who, ok := ids[d.first+int64(i)]; !ok || who != d.who {
				t.Errorf("session %d insert %d: row %d should have id %d (OK insert id %d), found who=%d present=%v", d.who, d.n, i, d.first+int64(i), d.first, who, ok)
			}
		}
		if d.afterKill {
			minAfter = min(minAfter, d.first)
		} else {
			maxBefore = max(maxBefore, d.first+int64(d.rows)-1)
		}
	}
	if len(done) < sessions*perSession/2 {
		t.Errorf("only %d of %d inserts succeeded", len(done), sessions*perSession)
	}
	if before == 0 || after == 0 {
		t.Fatalf("%d inserts succeeded before the kill and %d after it: the kill must fall among them", before, after)
	}
	if minAfter <= maxBefore {
		t.Errorf("an id given after the restart (%d) is not above those given before (%d)", minAfter, maxBefore)
	}
	t.Logf("%d inserts checked (%d before the kill, %d after), %d rows, ids up to %d given before the kill, from %d after", len(done), before, after, len(ids), maxBefore, minAfter)

	// Explicit ids and RETURNING, on one session.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.ExecContext(ctx, "INSERT INTO ai_rows (who, n) VALUES (1, 1)")
	if err != nil {
		t.Fatal(err)
	}
	gen, _ := res.LastInsertId()
	explicit := gen + 100000
	res, err = conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO ai_rows VALUES (%d, 2, 2)", explicit))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := res.LastInsertId(); id != explicit {
		t.Errorf("OK insert id of an explicit id = %d, want %d (MariaDB names it)", id, explicit)
	}
	if got := queryInt(t, conn, "SELECT LAST_INSERT_ID()"); got != gen {
		t.Errorf("LAST_INSERT_ID() after an explicit id = %d, want the earlier generated %d", got, gen)
	}
	var ret []int64
	rows, err := conn.QueryContext(ctx, "INSERT INTO ai_rows (who, n) VALUES (0, 3), (1, 3) RETURNING id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ret = append(ret, id)
	}
	rows.Close()
	if len(ret) != 2 || ret[0] != explicit+1 || ret[1] != explicit+2 {
		t.Errorf("RETURNING id gave %v, want [%d %d] (above the explicit id)", ret, explicit+1, explicit+2)
	}
	if got := queryInt(t, conn, "SELECT LAST_INSERT_ID()"); got != explicit+1 {
		t.Errorf("LAST_INSERT_ID() after INSERT ... RETURNING = %d, want %d", got, explicit+1)
	}
}

// TestAutoIncrementExhausted: past its column's largest value a sharded
// AUTO_INCREMENT fails as MariaDB's counter does (167, LAST_INSERT_ID()
// unchanged); the proxy gave the next id, which the shard refused with
// 1264, and each try moved LAST_INSERT_ID() one further out of range.
func TestAutoIncrementExhausted(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE su (id TINYINT AUTO_INCREMENT PRIMARY KEY, v INT)",
		"CREATE TABLE sw (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "INSERT INTO su (id, v) VALUES (125, 1)", nil},
		{0, "INSERT INTO su (v) VALUES (2)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO su (v) VALUES (3), (4)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO su (v) VALUES (5)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SELECT id, v FROM su ORDER BY id", nil},
		{0, "INSERT INTO sw (id, v) VALUES (9223372036854775807, 1)", nil},
		{0, "INSERT INTO sw (v) VALUES (2)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO sw (v) VALUES (3)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SELECT id, v FROM sw ORDER BY id", nil},
	})
}
