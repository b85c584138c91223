package router

import (
	"reflect"
	"sync"
	"testing"
)

// staticCases are statements whose plans bind without parameters to one
// shard (fixed), any one copy of a broadcast table (anyOf), or a one-shard
// fanout (LOCK TABLES of tables on one shard), under shardedRouter.
var staticCases = []struct {
	sql    string
	static bool // compile gives the plan a shared exec
}{
	{"SELECT v FROM plain WHERE id = 1", true},
	{"SELECT v FROM plain WHERE id = ?", true},
	{"SELECT v FROM plain WHERE id = ? FOR UPDATE", true},
	{"SELECT v FROM plain WHERE id = ? LOCK IN SHARE MODE", true},
	{"SELECT 1", true},
	{"SELECT @@version", true},
	{"SELECT FOUND_ROWS()", true},
	{"SHOW WARNINGS", true},
	{"SELECT GET_LOCK('a', 1)", true},
	{"UPDATE plain SET v = ? WHERE id = ?", true},
	{"INSERT INTO plain (id, v) VALUES (?, ?)", true},
	{"DELETE FROM plain WHERE id = ?", true},
	{"SELECT code FROM countries WHERE code = ?", true},
	{"SELECT code FROM countries FOR UPDATE", true},
	{"LOCK TABLES plain READ", true},
	{"SHOW COLUMNS FROM plain", true},
	{"CREATE TABLE plain2 (id int)", true},
	{"ALTER TABLE orders ADD COLUMN x int", false}, // runs on every shard
	{"SELECT id FROM orders WHERE user_id = ?", false},
	{"HANDLER plain OPEN", false}, // handler plans are not compiled
}

// TestStaticExecSameAsFresh checks that a plan's shared exec is exactly
// what binding it anew gives, with and without LockReads, and that a
// locking bind, which edits its exec, leaves the shared one as it was.
func TestStaticExecSameAsFresh(t *testing.T) {
	r := shardedRouter(t)
	params := []Param{intParam(7), intParam(8)}
	for _, c := range staticCases {
		p, err := planFor(t, r, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if (p.static != nil) != c.static {
			t.Fatalf("%s: static exec %v, want %v", c.sql, p.static != nil, c.static)
		}
		for _, lock := range []bool{false, true, false} {
			opts := BindOptions{LockReads: lock}
			got, gotErr := p.BindWith(params, opts)
			want, wantErr := p.bindFresh(params, opts)
			if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%s lock=%v: BindWith %+v, %v; fresh bind %+v, %v", c.sql, lock, got, gotErr, want, wantErr)
			}
			if p.static != nil && lock && p.lockTpl != nil && got == p.static {
				t.Fatalf("%s: a locking bind returned the shared exec", c.sql)
			}
		}
	}
}

// TestStaticExecConcurrentBinds binds one plan from many goroutines, as
// sessions running one cached statement do: with -race it checks that
// neither binding nor a locking bind writes the shared exec.
func TestStaticExecConcurrentBinds(t *testing.T) {
	r := shardedRouter(t)
	p, err := planFor(t, r, "SELECT v FROM plain WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				e, err := p.BindWith([]Param{intParam(int64(i))}, BindOptions{LockReads: (g+i)%2 == 0})
				if err != nil {
					t.Error(err)
					return
				}
				if e.Op == ExecSingle && (len(e.Parts) != 1 || e.Parts[0].SQL != "" || e.Locking) {
					t.Errorf("shared exec changed: %+v", e)
					return
				}
			}
		}()
	}
	wg.Wait()
}
