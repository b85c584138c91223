package router

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		sql, shape string // shape "" means not normalized
		literals   []string
	}{
		{"SELECT c FROM sbtest1 WHERE id=4711", "SELECT c FROM sbtest1 WHERE id=?", []string{"4711"}},
		{"select * from t1 where a = 'x y' and b in (1, 2.50, 3e2) limit 10", "select * from t1 where a = ? and b in (?, ?, ?) limit ?", []string{"'x y'", "1", "2.50", "3e2", "10"}},
		{"UPDATE t SET v = v - 1 WHERE id = -5", "UPDATE t SET v = v - ? WHERE id = -?", []string{"1", "5"}},
		{"SELECT `1col`, t2.c3 FROM `t 9` t2 WHERE x = 18446744073709551615", "SELECT `1col`, t2.c3 FROM `t 9` t2 WHERE x = ?", []string{"18446744073709551615"}},
		{"SELECT /* id = 5 */ a FROM t WHERE @x = 1 -- 2\n AND b = 3", "SELECT /* id = 5 */ a FROM t WHERE @x = ? -- 2\n AND b = ?", []string{"1", "3"}},
		{"SELECT @@session.max_heap_table_size + 1", "SELECT @@session.max_heap_table_size + ?", []string{"1"}},
		{"SELECT 99999999999999999999999", "SELECT ?", []string{"99999999999999999999999"}},
		// Left to the parser.
		{"SELECT * FROM t WHERE id = ?", "", nil},
		{`SELECT * FROM t WHERE a = "x"`, "", nil},
		{`SELECT * FROM t WHERE a = 'it''s'`, "", nil},
		{`SELECT * FROM t WHERE a = 'a\'b'`, "", nil},
		{"SELECT * FROM t WHERE a = _utf8mb4'x'", "", nil},
		{"SELECT * FROM t WHERE a = X'ff'", "", nil},
		{"SELECT * FROM t WHERE a = 0x1f", "", nil},
		{"SELECT * FROM t WHERE d = DATE '2024-01-01'", "", nil},
		{"SELECT * FROM t WHERE a = 1abc", "", nil},
		{"SELECT .5", "", nil},
		{"SELECT /*!50000 1 */", "", nil},
		{"SELECT * FROM t", "", nil},
		{"SELECT 'unterminated", "", nil},
	} {
		sh, ok := normalize(tc.sql)
		if tc.shape == "" {
			if ok {
				t.Errorf("normalize(%q) = %q, want it left alone", tc.sql, sh.sql)
			}
			continue
		}
		if !ok || sh.sql != tc.shape {
			t.Errorf("normalize(%q) = %q, %v; want %q", tc.sql, sh.sql, ok, tc.shape)
			continue
		}
		var lits []string
		for _, p := range sh.params {
			lits = append(lits, p.Literal)
		}
		if strings.Join(lits, "|") != strings.Join(tc.literals, "|") {
			t.Errorf("normalize(%q) literals %q, want %q", tc.sql, lits, tc.literals)
		}
	}
}

// shapeCorpus is SQL to check cached plans against: the plan tests' own
// statements, sysbench's, and the fuzz corpus.
func shapeCorpus(t *testing.T) []string {
	sqls := []string{
		"SELECT c FROM sbtest1 WHERE id=4711",
		"SELECT c FROM sbtest1 WHERE id BETWEEN 10 AND 109",
		"SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN 10 AND 109",
		"SELECT c FROM sbtest1 WHERE id BETWEEN 10 AND 109 ORDER BY c",
		"SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 10 AND 109 ORDER BY c",
		"UPDATE sbtest1 SET k=k+1 WHERE id=42",
		"UPDATE accounts SET bal = bal + -1 WHERE id = 17",
		"UPDATE orders SET total = total - -1.5 WHERE user_id = -17",
		"SELECT * FROM orders WHERE user_id IN (-1, -2, 3)",
		"SELECT * FROM orders WHERE user_id = -'5'",
		"SELECT * FROM items WHERE id BETWEEN -10 AND -2",
		"DELETE FROM sbtest1 WHERE id=42",
		"INSERT INTO sbtest1 (id, k, c, pad) VALUES (42, 7, 'c-c-c', 'p-p')",
		"SELECT * FROM orders WHERE user_id = 5",
		"SELECT * FROM orders WHERE user_id = '5'",
		"SELECT * FROM orders WHERE user_id = 5.0",
		"SELECT * FROM orders WHERE user_id = -5",
		"SELECT * FROM orders WHERE user_id IN (1, 2, 3) ORDER BY id DESC LIMIT 2, 3",
		"SELECT * FROM orders WHERE user_id IN (1, 2, 3) ORDER BY 1 LIMIT 2",
		"SELECT country, COUNT(*), AVG(total) FROM orders GROUP BY country HAVING COUNT(*) > 1 ORDER BY 2",
		"SELECT user_id, SUM(total) FROM orders WHERE total > 10 GROUP BY user_id ORDER BY user_id LIMIT 5",
		"SELECT o.id, u.name FROM orders o JOIN users u ON o.user_id = u.user_id WHERE o.user_id BETWEEN 1 AND 9",
		"INSERT INTO orders (user_id, total) VALUES (1, 2), (3, 4), (5, 6)",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE v = 'b'",
		"UPDATE orders SET total = total + 1 WHERE user_id IN (1, 2)",
		"DELETE FROM items WHERE id > 10 LIMIT 1",
		"SELECT * FROM items WHERE id = 3 AND v > 'x' FOR UPDATE",
		"SELECT * FROM countries WHERE code = 'fr'",
		"UPDATE countries SET name = 'France' WHERE code = 'fr'",
		"SELECT 1, 'a', 2.5 FROM orders WHERE user_id = 7",
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzPlan")
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "string("); ok {
				if s, err := strconv.Unquote(strings.TrimSuffix(v, ")")); err == nil {
					sqls = append(sqls, s)
				}
			}
		}
	}
	return sqls
}

// execSignature describes a bound plan without pointers.
func execSignature(e *Exec) string {
	var b strings.Builder
	for _, p := range e.Parts {
		fmt.Fprintf(&b, "[%s %q]", p.Shard, p.SQL)
	}
	fmt.Fprintf(&b, " any=%v write=%v ddl=%v locking=%v copies=%v tables=%v", e.AnyOf, e.Write, e.DDL, e.Locking, e.Copies, e.ShowTables != nil)
	if m := e.Merge; m != nil {
		fmt.Fprintf(&b, " merge{hidden=%d order=%v distinct=%v offset=%d count=%d", m.Hidden, m.OrderBy, m.Distinct, m.Offset, m.Count)
		if a := m.Agg; a != nil {
			fmt.Fprintf(&b, " agg{groups=%d aggs=%d visible=%d names=%v sort=%v having=%v}", a.Groups, len(a.Aggs), a.Visible, a.Names, a.Sort, a.Having != nil)
		}
		b.WriteString("}")
	}
	return b.String()
}

// TestCachedPlansMatch checks, for every statement of the corpus whose
// shape the cache accepts, that the shape's plan bound to the statement's
// literals runs exactly what the statement's own plan runs.
func TestCachedPlansMatch(t *testing.T) {
	r := shardedRouter(t)
	p := NewParser()
	cached, total := 0, 0
	for _, sql := range shapeCorpus(t) {
		st, err := p.Parse(sql)
		if err != nil || st.Kind == KindUnparsed {
			continue
		}
		plan, err := r.Plan(st, "app", "shop")
		if err != nil {
			continue
		}
		total++
		// Offered twice: the second time plans the shape.
		r.RememberPlan(p, sql, st, "app", "shop")
		r.RememberPlan(p, sql, st, "app", "shop")
		cst, cplan, params, ok := r.CachedPlan(sql, "app", "shop")
		if !ok {
			continue
		}
		cached++
		if cst.Kind != st.Kind || cst.ReadOnly != st.ReadOnly || cst.ImplicitCommit != st.ImplicitCommit || len(cst.Tables) != len(st.Tables) {
			t.Errorf("%q: cached statement %+v differs from %+v", sql, cst, st)
		}
		for _, opts := range []BindOptions{{}, {LockReads: true}} {
			want, werr := plan.BindWith(nil, opts)
			got, gerr := cplan.BindWith(params, opts)
			if (werr == nil) != (gerr == nil) {
				t.Errorf("%q %+v: bind error %v, cached %v", sql, opts, werr, gerr)
				continue
			}
			if werr != nil {
				continue
			}
			if w, g := execSignature(want), execSignature(got); w != g {
				t.Errorf("%q %+v:\n plan   %s\n cached %s", sql, opts, w, g)
			}
		}
	}
	t.Logf("%d of %d planned statements served from the shape cache", cached, total)
	if cached < 20 {
		t.Errorf("only %d statements cached: the cache is not doing its job", cached)
	}
	for _, sql := range []string{
		"SELECT * FROM orders WHERE user_id IN (1, 2, 3) ORDER BY 1 LIMIT 2",
		"SELECT country, COUNT(*) FROM orders GROUP BY 1",
	} {
		st, _ := p.Parse(sql)
		r.RememberPlan(p, sql, st, "app", "shop")
		r.RememberPlan(p, sql, st, "app", "shop")
		if _, _, _, ok := r.CachedPlan(sql, "app", "shop"); ok {
			t.Errorf("%q cached: a position (ORDER/GROUP BY 1) must not become a parameter", sql)
		}
	}
}

func TestCachedPlanKeys(t *testing.T) {
	r := shardedRouter(t)
	p := NewParser()
	remember := func(sql, user, db string) {
		st, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		r.RememberPlan(p, sql, st, user, db)
		r.RememberPlan(p, sql, st, user, db)
	}
	remember("SELECT * FROM orders WHERE user_id = 5", "app", "shop")
	for _, tc := range []struct {
		sql, user, db string
		hit           bool
	}{
		{"SELECT * FROM orders WHERE user_id = 77", "app", "shop", true},
		{"SELECT * FROM orders WHERE user_id = 77", "other", "shop", false},
		{"SELECT * FROM orders WHERE user_id = 77", "app", "", false},
		{"SELECT * FROM orders WHERE user_id = '77'", "app", "shop", false}, // another literal class
		{"SELECT * FROM orders WHERE user_id  = 77", "app", "shop", false},
	} {
		if _, _, _, ok := r.CachedPlan(tc.sql, tc.user, tc.db); ok != tc.hit {
			t.Errorf("CachedPlan(%q, %s, %q) hit = %v, want %v", tc.sql, tc.user, tc.db, ok, tc.hit)
		}
	}
	// Seen once only: not planned yet.
	st, _ := p.Parse("SELECT * FROM items WHERE id = 1")
	r.RememberPlan(p, "SELECT * FROM items WHERE id = 1", st, "app", "shop")
	if _, _, _, ok := r.CachedPlan("SELECT * FROM items WHERE id = 2", "app", "shop"); ok {
		t.Error("a shape seen once is already cached")
	}
}

// TestCachedPlanConcurrentBind binds one cached plan from many goroutines
// (run with -race): sessions share cached plans.
func TestCachedPlanConcurrentBind(t *testing.T) {
	r := shardedRouter(t)
	p := NewParser()
	sql := "SELECT * FROM orders WHERE user_id IN (1, 2, 3, 4, 5, 6) ORDER BY id LIMIT 4"
	st, _ := p.Parse(sql)
	r.RememberPlan(p, sql, st, "app", "shop")
	r.RememberPlan(p, sql, st, "app", "shop")
	plan, err := r.Plan(st, "app", "shop")
	if err != nil {
		t.Fatal(err)
	}
	want, err := plan.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_, cplan, params, ok := r.CachedPlan(sql, "app", "shop")
				if !ok {
					t.Error("not cached")
					return
				}
				got, err := cplan.BindWith(params, BindOptions{LockReads: i%2 == 0})
				if err != nil {
					t.Error(err)
					return
				}
				if i%2 == 1 && execSignature(got) != execSignature(want) {
					t.Errorf("concurrent bind: %s, want %s", execSignature(got), execSignature(want))
					return
				}
			}
		}()
	}
	wg.Wait()
}
