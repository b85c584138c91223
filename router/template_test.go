package router

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/xaproxy/xaproxy/sharding"
)

// templateCases are statements whose binds write per-shard text: merged
// SELECTs (ranges, ORDER BY, DISTINCT, aggregates, LIMIT, IN lists split
// by shard), derived tables and joins with parameters, INSERTs split by
// shard or given AUTO_INCREMENT ids, and locking reads.
var templateCases = []string{
	"SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?",
	"SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
	"SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
	"SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?",
	"SELECT k, COUNT(*), AVG(id), COUNT(DISTINCT c) FROM sbtest1 WHERE id > ? GROUP BY k HAVING COUNT(*) > 1 ORDER BY k DESC LIMIT ?",
	"SELECT SQL_CALC_FOUND_ROWS id, c FROM sbtest1 WHERE c LIKE ? ORDER BY id LIMIT ?, ?",
	"SELECT id FROM sbtest1 WHERE id >= ? FOR UPDATE",
	"SELECT id FROM sbtest1 WHERE c = 'a?b' AND pad <> ? AND `k` = ?",
	"SELECT c FROM sbtest1 WHERE id IN (?, ?, ?, ?)",
	"SELECT c FROM sbtest1 WHERE id IN (?, 7, ?, -?, '12') AND k > ?",
	"SELECT c FROM sbtest1 WHERE (id IN (1, 2, 3, 4, 5, 6) OR id IN (?, ?)) AND c <> ?",
	"SELECT c FROM sbtest1 WHERE id NOT IN (?, ?) AND k = ?",
	"SELECT c, pad FROM sbtest1 WHERE k = ? AND id IN (?, ?, ?) ORDER BY pad LIMIT 5",
	"SELECT COUNT(*) FROM sbtest1 WHERE id IN (?, ?, ?) AND c IN (?, 'x')",
	"SELECT c FROM sbtest1",
	"SELECT c FROM sbtest1 WHERE id = ?",
	"SELECT c FROM (SELECT c, k FROM sbtest1 WHERE k > ? AND id IN (?, ?, ?)) AS d WHERE c <> ? ORDER BY c",
	"SELECT a.c FROM sbtest1 a JOIN sbtest3 b ON a.id = b.id AND b.k = ? WHERE a.id IN (?, ?, ?)",
	"INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)",
	"INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, 1, 'x?', ?), (?, ?, DEFAULT, 'y'), (3, ?, ?, ?)",
	"INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON DUPLICATE KEY UPDATE k = k + ?, c = VALUES(c)",
	"INSERT IGNORE INTO sbtest1 (k, id, c) VALUES (?, ?, ?), (?, ?, ?)",
	"INSERT INTO sbtest1 SET id = ?, c = ?",
	"INSERT INTO sbtest1 (id, c) VALUES (?, ?), (?, ?) RETURNING id, c",
	"INSERT INTO sbtest2 (k, c, pad) VALUES (?, ?, ?)",
	"INSERT INTO sbtest2 (k, c, pad) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
	"INSERT INTO sbtest2 (id, k, c) VALUES (?, ?, ?), (?, ?, ?), (NULL, ?, ?), (0, 5, ?), (DEFAULT, ?, 'z')",
	"INSERT INTO sbtest2 VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
	"INSERT INTO sbtest2 SET k = ?, c = ?",
	"INSERT INTO sbtest2 SET id = ?, k = ?",
	"INSERT INTO sbtest2 (k, c) VALUES (?, ?), (?, ?) RETURNING id, k",
	"INSERT INTO sbtest2 (id, k) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE k = ?",
}

// templateParams is the n parameters of execution i: numbers and strings
// that need escapes or look like markers, a NULL now and then, values that
// route to every shard.
func templateParams(n, i int) []Param {
	ps := make([]Param, n)
	for j := range ps {
		switch v := i*7 + j*13; (i + j) % 7 {
		case 0, 1, 2, 3:
			ps[j] = intParam(int64(v))
		case 4:
			s := fmt.Sprintf("it's ? a \\ '%d'", v)
			ps[j] = Param{Literal: quoteString(s), Key: sharding.StringValue(s)}
		case 5:
			if i%3 == 0 {
				ps[j] = Param{Null: true, Literal: "NULL", Key: sharding.NullValue()}
			} else {
				ps[j] = intParam(0)
			}
		case 6:
			ps[j] = bytesParam(0xfc, []byte{'?', 0, '\'', byte(v)})
		}
	}
	return ps
}

// seqIDs is a sequence of AUTO_INCREMENT ids starting at 100 for each bind.
func seqIDs() AutoIncIDs {
	next := uint64(100)
	return func(_, _ string, n int, seen uint64) (uint64, error) {
		next = max(next, seen+1)
		first := next
		next += uint64(n)
		return first, nil
	}
}

// TestConcurrentBinds binds one plan from many goroutines with different
// parameters and checks every per-shard text: binding shares nothing
// mutable (run with -race). Binding that edited the plan's tree, without
// a lock, fails it (a panic, or races under -race).
func TestConcurrentBinds(t *testing.T) {
	r := sysbenchRouter(t)
	for _, sql := range []string{
		"SELECT c FROM sbtest1 WHERE id IN (?, ?, ?, ?) AND k <> ? ORDER BY c",
		"SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?",
		"SELECT c FROM (SELECT c, k FROM sbtest1 WHERE k > ?) AS d WHERE c <> ?",
		"INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)",
		"INSERT INTO sbtest2 (k, c, pad) VALUES (?, ?, ?), (?, ?, ?)",
		"SELECT c FROM sbtest1 WHERE id = ?",
	} {
		p := planBindCase(t, r, bindCase{sql: sql})
		// What each execution must give, bound one at a time (the text
		// TestBindGolden checks).
		const execs = 64
		n := strings.Count(sql, "?")
		want := make([]*Exec, execs)
		wantErr := make([]string, execs)
		for i := range want {
			var err error
			want[i], err = p.BindWith(templateParams(n, i), BindOptions{LockReads: i%2 == 0, AutoInc: seqIDs()})
			wantErr[i] = fmt.Sprint(err)
		}
		// A fresh plan, bound first by the goroutines.
		p = planBindCase(t, r, bindCase{sql: sql})
		var wg sync.WaitGroup
		errs := make(chan string, execs*20)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range execs * 20 {
					i := (k + g*5) % execs
					got, err := p.BindWith(templateParams(n, i), BindOptions{LockReads: i%2 == 0, AutoInc: seqIDs()})
					if fmt.Sprint(err) != wantErr[i] || !reflect.DeepEqual(got, want[i]) {
						errs <- fmt.Sprintf("%s #%d: got %+v, %v\nwant %+v", sql, i, got, err, want[i])
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}
