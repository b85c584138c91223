package router

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitReturning(t *testing.T) {
	tests := []struct {
		sql, base, list string
		ok              bool
	}{
		{"INSERT INTO t (a) VALUES (1) RETURNING id, a", "INSERT INTO t (a) VALUES (1) ", " id, a", true},
		{"replace into t values (1) returning *", "replace into t values (1) ", " *", true},
		{"DELETE FROM t WHERE a = 1 RETURNING a;", "DELETE FROM t WHERE a = 1 ", " a;", true},
		{"/* c */ delete from t\nreturning\ta", "/* c */ delete from t\n", "\ta", true},
		// Not the keyword: quoted, commented, inside parentheses, part of a word.
		{"INSERT INTO t VALUES ('returning')", "", "", false},
		{"INSERT INTO t (`returning`) VALUES (1)", "", "", false},
		{"INSERT INTO t VALUES (1) /* returning x */", "", "", false},
		{"INSERT INTO t VALUES (1) -- returning x\n", "", "", false},
		{"INSERT INTO t VALUES (1) # returning x", "", "", false},
		{"INSERT INTO t (x) SELECT (SELECT 1 returning) FROM s", "", "", false},
		{"INSERT INTO t (returning_x) VALUES (1)", "", "", false},
		{"INSERT INTO t (x_returning) VALUES (1)", "", "", false},
		{`INSERT INTO t VALUES ("it's returning")`, "", "", false},
		{`INSERT INTO t VALUES ('a\' returning')`, "", "", false},
		// The first one outside everything is the clause.
		{"INSERT INTO t VALUES ('returning') RETURNING 'returning'", "INSERT INTO t VALUES ('returning') ", " 'returning'", true},
		// Only INSERT, REPLACE and DELETE have it.
		{"UPDATE t SET a = 1 RETURNING a", "", "", false},
		{"SELECT 1 RETURNING", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			base, list, ok := splitReturning(tt.sql)
			if ok != tt.ok || base != tt.base || list != tt.list {
				t.Errorf("splitReturning = (%q, %q, %v), want (%q, %q, %v)", base, list, ok, tt.base, tt.list, tt.ok)
			}
		})
	}
}

func TestParseReturning(t *testing.T) {
	p := NewParser()
	tests := []struct {
		sql       string
		kind      Kind
		list      string // "" when no RETURNING is expected
		tables    []TableRef
		lastID    LastIDUse
		hasParams bool
		insert    bool // InsertReturning
	}{
		{sql: "INSERT INTO t (a) VALUES (?) RETURNING id, a", kind: KindPassThrough, list: " id, a", tables: []TableRef{{Name: "t"}}, insert: true},
		{sql: "REPLACE INTO s.t (a) VALUES (1) RETURNING *", kind: KindPassThrough, list: " *", tables: []TableRef{{Schema: "s", Name: "t"}}, insert: true},
		{sql: "DELETE FROM t WHERE id = ? RETURNING id, ? AS x", kind: KindPassThrough, list: " id, ? AS x", tables: []TableRef{{Name: "t"}}, hasParams: true},
		{sql: "DELETE FROM t RETURNING t.*, LAST_INSERT_ID()", kind: KindPassThrough, list: " t.*, LAST_INSERT_ID()", tables: []TableRef{{Name: "t"}}, lastID: LastIDReads},
		{sql: "INSERT INTO t (a) VALUES (1) RETURNING (SELECT MAX(id) FROM u) AS m", kind: KindPassThrough, list: " (SELECT MAX(id) FROM u) AS m", tables: []TableRef{{Name: "t"}, {Name: "u"}}, insert: true},
		// Not a select list, or not the end of the statement: unparsed.
		{sql: "DELETE FROM t RETURNING", kind: KindUnparsed},
		{sql: "DELETE FROM t RETURNING a FROM u", kind: KindUnparsed},
		{sql: "DELETE FROM t RETURNING a LIMIT 1", kind: KindUnparsed},
		{sql: "DELETE t FROM t JOIN u ON t.a = u.a RETURNING t.a", kind: KindUnparsed},
		{sql: "INSERT INTO t VALUES ((1) RETURNING a", kind: KindUnparsed},
		{sql: "DELETE FROM t RETURNING DISTINCT a", kind: KindUnparsed},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			st, err := p.Parse(tt.sql)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if st.Kind != tt.kind {
				t.Fatalf("kind = %v (%v), want %v", st.Kind, st.ParseErr, tt.kind)
			}
			if tt.kind == KindUnparsed {
				if st.ParseErr == nil || st.Returning != nil {
					t.Errorf("unparsed without a reason (%v) or with RETURNING %+v", st.ParseErr, st.Returning)
				}
				return
			}
			if st.Returning == nil || st.Returning.List != tt.list || st.Returning.HasParams != tt.hasParams {
				t.Fatalf("Returning = %+v, want list %q params %v", st.Returning, tt.list, tt.hasParams)
			}
			if !reflect.DeepEqual(st.Tables, tt.tables) {
				t.Errorf("tables = %v, want %v", st.Tables, tt.tables)
			}
			if st.LastInsertID != tt.lastID {
				t.Errorf("LastInsertID = %v, want %v", st.LastInsertID, tt.lastID)
			}
			if st.InsertReturning() != tt.insert {
				t.Errorf("InsertReturning = %v, want %v", st.InsertReturning(), tt.insert)
			}
		})
	}
}

// The markers of the RETURNING list are numbered after the statement's.
func TestParseReturningParamOrder(t *testing.T) {
	st, err := NewParser().Parse("DELETE FROM t WHERE a = ? AND b = ? RETURNING ?, a")
	if err != nil {
		t.Fatal(err)
	}
	if got := paramOrders(st.Node); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("statement markers = %v, want [0 1]", got)
	}
}

func TestPlanReturning(t *testing.T) {
	r := keyedRouter(t)
	tests := []struct {
		sql     string
		params  []Param
		single  bool
		parts   []string // the SQL of each part when not single
		rows    [][]int
		concat  bool  // Returning with no row order
		order   []int // a DELETE's rows sorted by these columns
		refused string
	}{
		// items: mod 3 over s0, s1, s2.
		{sql: "INSERT INTO items (id, v) VALUES (3, 'a') RETURNING id", single: true},
		{sql: "INSERT INTO items (id, v) VALUES (3, 'a'), (6, 'b') RETURNING id", single: true},
		{sql: "INSERT INTO items (id, v) VALUES (1, 'a'), (3, 'b'), (4, 'c'), (2, 'd') RETURNING id,  v AS w",
			parts: []string{
				"INSERT INTO `items` (`id`,`v`) VALUES (3,'b') RETURNING id,  v AS w",
				"INSERT INTO `items` (`id`,`v`) VALUES (1,'a'),(4,'c') RETURNING id,  v AS w",
				"INSERT INTO `items` (`id`,`v`) VALUES (2,'d') RETURNING id,  v AS w",
			},
			rows: [][]int{{1}, {0, 2}, {3}}},
		{sql: "INSERT INTO items (id, v) VALUES (?, ?), (?, 'x') RETURNING id", params: []Param{intParam(1), {Literal: "'a'"}, intParam(2)},
			parts: []string{
				"INSERT INTO `items` (`id`,`v`) VALUES (1,'a') RETURNING id",
				"INSERT INTO `items` (`id`,`v`) VALUES (2,'x') RETURNING id",
			},
			rows: [][]int{{0}, {1}}},
		{sql: "INSERT INTO items (id, v) VALUES (1, 'a'), (2, 'b') RETURNING id, ?", params: []Param{intParam(9)},
			refused: "parameters in the RETURNING list"},
		{sql: "INSERT IGNORE INTO items (id, v) VALUES (1, 'a'), (2, 'b') RETURNING id", refused: "INSERT IGNORE ... RETURNING"},
		{sql: "INSERT IGNORE INTO items (id, v) VALUES (1, 'a') RETURNING id", single: true},
		{sql: "DELETE FROM items WHERE id = 4 RETURNING id", single: true},
		// A DELETE's rows come in primary key order, which the list
		// must give.
		// Each shard runs it with its own keys only (narrowed).
		{sql: "DELETE FROM items WHERE id IN (1, 2) RETURNING id", parts: []string{"DELETE FROM `items` WHERE `id` IN (1) RETURNING id", "DELETE FROM `items` WHERE `id` IN (2) RETURNING id"}, order: []int{0}},
		{sql: "DELETE FROM items RETURNING v, id", parts: []string{"", "", ""}, order: []int{1}},
		{sql: "DELETE FROM items RETURNING *, v", parts: []string{"", "", ""}, order: []int{0}},
		{sql: "DELETE FROM items RETURNING v, (id) AS k", parts: []string{"", "", ""}, order: []int{1}},
		{sql: "DELETE FROM items RETURNING v, id + 0", refused: "must return its primary key column id"},
		{sql: "DELETE FROM items WHERE id = 4 RETURNING v", single: true},
		{sql: "DELETE FROM users RETURNING name", refused: "must return its primary key column user_id"},
		{sql: "DELETE FROM countries WHERE code = 'x' RETURNING code", parts: []string{"", "", ""}, concat: true},
		{sql: "INSERT INTO countries (code) VALUES ('x') RETURNING code", parts: []string{"", "", ""}, concat: true},
		// A subquery in the list would read one shard's rows.
		{sql: "DELETE FROM items WHERE id = 4 RETURNING id, (SELECT COUNT(*) FROM items) AS n", refused: "subqueries in the RETURNING list"},
		{sql: "INSERT INTO countries (code) VALUES ('x') RETURNING (SELECT 1 FROM countries LIMIT 1)", refused: "subqueries in the RETURNING list"},
		// A sequence's NEXTVAL reads no table (where it may run:
		// serverseq.go).
		{sql: "DELETE FROM items WHERE id = 4 RETURNING id, NEXTVAL(sq)", single: true},
		// Without RETURNING nothing changes.
		{sql: "DELETE FROM items WHERE id IN (1, 2)", parts: []string{"DELETE FROM `items` WHERE `id` IN (1)", "DELETE FROM `items` WHERE `id` IN (2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			plan, err := planFor(t, r, tt.sql)
			var e *Exec
			if err == nil {
				e, err = plan.Bind(tt.params)
			}
			if tt.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("error = %v, want %q", err, tt.refused)
				}
				return
			}
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if e.Single() != tt.single {
				t.Fatalf("single = %v, want %v (%+v)", e.Single(), tt.single, e.Parts)
			}
			if tt.single {
				if e.Returning != nil {
					t.Errorf("a single part needs no merge: %+v", e.Returning)
				}
				return
			}
			var sqls []string
			for _, p := range e.Parts {
				sqls = append(sqls, p.SQL)
			}
			if !reflect.DeepEqual(sqls, tt.parts) {
				t.Errorf("parts = %q, want %q", sqls, tt.parts)
			}
			want := tt.rows != nil || tt.concat || tt.order != nil
			if (e.Returning != nil) != want {
				t.Fatalf("Returning = %+v, want set: %v", e.Returning, want)
			}
			if want && !reflect.DeepEqual(e.Returning.Rows, tt.rows) {
				t.Errorf("rows = %v, want %v", e.Returning.Rows, tt.rows)
			}
			if want && !reflect.DeepEqual(e.Returning.Order, tt.order) {
				t.Errorf("order = %v, want %v", e.Returning.Order, tt.order)
			}
		})
	}
}
