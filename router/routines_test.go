package router

import (
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/catalog"
)

// routinesRouter has items sharded over s0 and s1, regions and
// regions_log broadcast, plain and log unsharded on s0, and the routines
// and triggers of the cases below.
func routinesRouter(t *testing.T) *Router {
	t.Helper()
	r := routerWith(t, 2, `
  - name: shop
    default_shard: s0
    tables:
      - {name: items, shard_key: k, algorithm: mod, shards: [s0, s1]}
      - {name: items2, shard_key: k, algorithm: mod, shards: [s0, s1]}
      - {name: regions, broadcast: true, shards: [s0, s1]}
      - {name: regions_log, broadcast: true, shards: [s0, s1]}
      - {name: regions_narrow, broadcast: true, shards: [s0]}
`)
	tbl := func(name string) *catalog.Table {
		return &catalog.Table{Schema: "shop", Name: name, Columns: []catalog.Column{{Name: "k", Type: "int(11)"}}}
	}
	body := func(name, text string) catalog.Body {
		return catalog.Body{Named: catalog.Named{Schema: "shop", Name: name}, Text: text}
	}
	procedure := func(b catalog.Body) catalog.Body {
		b.Procedure = true
		return b
	}
	trigger := func(table, name, text string) catalog.Body {
		b := body(table, text)
		b.Trigger = name
		return b
	}
	snap := catalog.Snapshot{Shard: "s0", Schemas: []string{"shop"},
		Tables: []*catalog.Table{tbl("items"), tbl("items2"), tbl("regions"), tbl("regions_log"), tbl("plain"), tbl("log"), tbl("regions_narrow"),
			{Schema: "shop", Name: "v_f", View: true, Definition: "select `shop`.`f_total`() AS `x`"},
			{Schema: "shop", Name: "v_items2", View: true, Definition: "select `shop`.`items2`.`k` AS `k` from `shop`.`items2`"},
			{Schema: "shop", Name: "v_items", View: true, Definition: "select `shop`.`items`.`k` AS `k` from `shop`.`items`"}},
		Routines: []catalog.Body{
			body("f_total", "RETURN (SELECT SUM(k) FROM items)"),
			body("f_reg", "RETURN (SELECT COUNT(*) FROM `regions`)"),
			body("f_bump", "BEGIN UPDATE regions SET k = k + 1; RETURN 1; END"),
			body("f_outer", "RETURN f_total() + 1"),
			body("f_view", "RETURN (SELECT COUNT(*) FROM v_items)"),
			body("f_pure", "RETURN x * 2 -- items"),
			body("f_str", "RETURN 'items'"),
			body("f_log", "BEGIN INSERT INTO log VALUES (1); RETURN 1; END"),
			body("f_plain", "BEGIN INSERT INTO plain VALUES (1); RETURN 1; END"),
			procedure(body("p_q", "BEGIN CALL shop.p_inner(); END")),
			procedure(body("p_inner", "SELECT * FROM shop.items")),
			body("agg", "BEGIN DECLARE s INT DEFAULT 0; LOOP FETCH GROUP NEXT ROW; SET s = s + x; END LOOP; END"),
			procedure(body("log", "BEGIN UPDATE regions SET k = 1; END")),
			procedure(body("p_dyn", "BEGIN EXECUTE IMMEDIATE CONCAT('SELECT * FROM it', 'ems'); END")),
			body("f_ansi", `RETURN (SELECT SUM(k) FROM "items")`),
			body("f_nbe", `RETURN (SELECT CONCAT('\', SUM(k), '\') FROM items)`),
			body("f_plainread", "RETURN (SELECT COUNT(*) FROM plain)"),
			body("f_tok", "RETURN UUID_SHORT()"),
			{Named: catalog.Named{Schema: "shop", Name: "f_hidden"}, Unreadable: true},
		},
		Triggers: []catalog.Body{
			trigger("items", "tr_items", "SET NEW.k = (SELECT COUNT(*) FROM regions)"),
			trigger("regions", "tr_regions", "INSERT INTO regions_log VALUES (NEW.k)"),
			trigger("items2", "tr_items2", "INSERT INTO plain VALUES (NEW.k)"),
			trigger("plain", "tr_plain", "SET NEW.k = f_pure(NEW.k)"),
			trigger("log", "tr_log", "INSERT INTO items VALUES (NEW.k)"),
			trigger("regions_log", "tr_rl", "INSERT INTO regions_narrow VALUES (NEW.k)"),
		},
	}
	r.SetCatalog(catalog.Build(r.Catalog().Gen()+1, []catalog.Snapshot{snap}, func(string, string) []string { return []string{"s0"} }))
	return r
}

// TestRoutinesOutOfReach: a routine or trigger whose body names what its
// shard cannot stand for is refused (1235) where it would run.
func TestRoutinesOutOfReach(t *testing.T) {
	r := routinesRouter(t)
	p := NewParser()
	for _, tc := range []struct {
		sql     string
		refused bool
	}{
		{"SELECT f_total()", true},
		{"SELECT k, f_total() FROM items WHERE k = 1", true},
		{"SELECT f_reg()", false},
		{"SELECT k, f_reg() FROM items", false},
		{"SELECT f_bump()", true},
		{"SELECT f_outer()", true},
		{"SELECT f_view()", true},
		{"SELECT f_pure(1), f_str()", false},
		{"SELECT f_log()", true}, // log's trigger writes items
		{"SELECT f_plain()", false},
		{"CALL p_q()", true},
		{"CALL p_inner()", true},
		{"DELETE FROM items WHERE k = 1", false},
		{"UPDATE regions SET k = 1", true}, // its trigger writes regions_log, whose trigger writes regions_narrow
		{"INSERT INTO items2 VALUES (1)", true},
		{"DELETE FROM items2", true},
		{"ALTER TABLE items2 COMMENT 'x'", false},
		{"SELECT * FROM items2", false},
		{"INSERT INTO plain VALUES (1)", false},
		{"INSERT INTO log VALUES (1)", true},
		{"CREATE FUNCTION g() RETURNS INT RETURN (SELECT COUNT(*) FROM items)", true},
		{"CREATE FUNCTION g() RETURNS INT RETURN f_total()", true},
		{"CREATE FUNCTION g() RETURNS INT BEGIN DELETE FROM regions; RETURN 1; END", true},
		{"CREATE FUNCTION g() RETURNS INT RETURN (SELECT COUNT(*) FROM regions) + f_reg()", false},
		{"CREATE PROCEDURE q() BEGIN SELECT COUNT(*) FROM items; END", true},
		{"CREATE PROCEDURE q() BEGIN SELECT COUNT(*) FROM plain; END", false},
		{"CREATE TRIGGER t1 BEFORE INSERT ON items FOR EACH ROW INSERT INTO plain VALUES (NEW.k)", true},
		{"CREATE TRIGGER t1 BEFORE INSERT ON items FOR EACH ROW INSERT INTO regions_log VALUES (NEW.k)", true},
		{"CREATE TRIGGER t1 BEFORE INSERT ON items FOR EACH ROW SET NEW.k = f_reg()", false},
		{"CREATE TRIGGER t1 BEFORE INSERT ON plain FOR EACH ROW INSERT INTO items VALUES (NEW.k)", true},
		{"CREATE TRIGGER t1 BEFORE INSERT ON plain FOR EACH ROW INSERT INTO log VALUES (NEW.k)", true}, // log's trigger
		{"CREATE TRIGGER t1 BEFORE INSERT ON log FOR EACH ROW INSERT INTO plain VALUES (NEW.k)", false},
		{"CREATE TRIGGER t1 AFTER UPDATE ON regions FOR EACH ROW INSERT INTO regions_log VALUES (NEW.k)", true}, // regions_log's trigger writes regions_narrow
		{"CREATE TRIGGER t1 AFTER UPDATE ON regions FOR EACH ROW INSERT INTO regions_narrow VALUES (NEW.k)", true},
		{"CREATE TRIGGER t1 BEFORE UPDATE ON regions FOR EACH ROW SET NEW.k = (SELECT COUNT(*) FROM regions_log)", false},
		{"SELECT agg(k) FROM items", true},
		{"CALL p_dyn()", true},
		{"SELECT f_ansi()", true},
		{"SELECT f_nbe()", true},
		{"SELECT f_hidden()", true},
		{"SELECT * FROM v_f", true},
		{"SELECT * FROM v_items2", false},
		{"INSERT INTO v_items2 VALUES (1)", true},
		{"CREATE TABLE t9 AS SELECT x FROM v_f", true}, // a CTAS reads the view's rows
		{"DROP VIEW v_f", false},
		{"SHOW CREATE VIEW v_f", false},
		{"INSERT INTO plain SELECT k FROM log", false},          // log is only read: its trigger does not run
		{"SELECT f_plainread(), f_tok()", false},                // checked where it runs (CheckRunsOn)
		{"SELECT LOG(2), LOG(k) FROM items WHERE k = 1", false}, // a procedure named log is not the builtin
		{"CALL p_unknown(f_total())", true},                     // a function in a CALL's arguments
		{"CREATE TRIGGER t1 AFTER UPDATE ON regions FOR EACH ROW INSERT INTO log VALUES (NEW.k)", true},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		_, err = r.Plan(st, "app", "shop")
		me, _ := backend.ServerError(err)
		switch {
		case tc.refused && (me == nil || me.Code != mysql.ER_NOT_SUPPORTED_YET):
			t.Errorf("%s: %v, want 1235", tc.sql, err)
		case !tc.refused && err != nil:
			t.Errorf("%s: %v", tc.sql, err)
		}
	}
}

// TestRoutineDefRoutes: a function goes to every shard of its schema, a
// procedure's ALTER to the default shard, a trigger to its table's shards.
func TestRoutineDefRoutes(t *testing.T) {
	r := routinesRouter(t)
	p := NewParser()
	for _, tc := range []struct {
		sql    string
		shards []string
		code   uint16
	}{
		{"CREATE FUNCTION g() RETURNS INT RETURN 1", []string{"s0", "s1"}, 0},
		{"DROP FUNCTION IF EXISTS f_pure", []string{"s0", "s1"}, 0},
		{"ALTER FUNCTION f_pure COMMENT 'x'", []string{"s0", "s1"}, 0},
		{"SHOW CREATE FUNCTION f_pure", []string{"s0"}, 0},
		{"ALTER PROCEDURE p_q COMMENT 'x'", []string{"s0"}, 0},
		{"CALL p_unknown()", []string{"s0"}, 0},
		{"CREATE TRIGGER t1 BEFORE INSERT ON items FOR EACH ROW SET NEW.k = 1", []string{"s0", "s1"}, 0},
		{"CREATE TRIGGER t1 BEFORE INSERT ON plain FOR EACH ROW SET NEW.k = 1", []string{"s0"}, 0},
		{"DROP TRIGGER tr_items", []string{"s0", "s1"}, 0},
		{"DROP TRIGGER tr_plain", []string{"s0"}, 0},
		{"DROP TRIGGER IF EXISTS nope", []string{"s0", "s1"}, 0}, // not known: every shard answers
		{"SHOW CREATE TRIGGER nope", []string{"s0"}, 0},
		{"CREATE DEFINER = `root`@`localhost` FUNCTION g() RETURNS INT RETURN 1", nil, mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"CREATE DEFINER = CURRENT_USER FUNCTION g() RETURNS INT RETURN 1", []string{"s0", "s1"}, 0},
		{"CREATE FUNCTION g() RETURNS INT RETURN (SELECT COUNT(*) FROM mysql/**/.user)", nil, mysql.ER_DBACCESS_DENIED_ERROR},
		{`CREATE FUNCTION g() RETURNS INT RETURN (SELECT COUNT(*) FROM "mysql".user)`, nil, mysql.ER_DBACCESS_DENIED_ERROR},
		{"CREATE AGGREGATE FUNCTION g(x INT) RETURNS INT BEGIN DECLARE s INT DEFAULT 0; LOOP FETCH GROUP NEXT ROW; SET s = s + x; END LOOP; END", nil, mysql.ER_NOT_SUPPORTED_YET},
		{"SHOW CREATE TRIGGER tr_items", []string{"s0"}, 0},
		{"CREATE FUNCTION udf RETURNS STRING SONAME 'udf.so'", nil, mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"CREATE PROCEDURE dyn() BEGIN PREPARE s FROM CONCAT('SELECT * FROM my', 'sql.user'); EXECUTE s; END", nil, mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"CREATE PROCEDURE dyn() BEGIN EXECUTE IMMEDIATE CONCAT('SELECT LOAD_', 'FILE(1)'); END", nil, mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"CREATE PROCEDURE q() BEGIN SELECT 1; SELECT 2; END", []string{"s0"}, 0},
		{"CREATE FUNCTION mysql.f() RETURNS INT RETURN 1", nil, mysql.ER_DBACCESS_DENIED_ERROR},
		{"CREATE FUNCTION nowhere.f() RETURNS INT RETURN 1", nil, mysql.ER_BAD_DB_ERROR},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		pl, err := r.Plan(st, "app", "shop")
		if tc.code != 0 {
			if me, _ := backend.ServerError(err); me == nil || me.Code != tc.code {
				t.Errorf("%s: %v, want %d", tc.sql, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		got := pl.fanout
		if pl.fixed != "" {
			got = []string{pl.fixed}
		}
		if !slices.Equal(got, tc.shards) {
			t.Errorf("%s: runs on %v, want %v", tc.sql, got, tc.shards)
		}
		if st.Routine == nil {
			continue // CALL
		}
		if wantDDL := st.Routine.Verb != "show"; st.ImplicitCommit != wantDDL || st.ReadOnly == wantDDL {
			t.Errorf("%s: implicit commit %v, read-only %v", tc.sql, st.ImplicitCommit, st.ReadOnly)
		}
	}
}

// TestCheckRunsOn: a routine naming an unsharded table runs only on its
// shard; a sequence function behind a statement, on one shard only.
func TestCheckRunsOn(t *testing.T) {
	r := routinesRouter(t)
	p := NewParser()
	one := &Exec{Parts: []Part{{Shard: "s0"}}}
	other := &Exec{Parts: []Part{{Shard: "s1"}}}
	both := &Exec{Parts: []Part{{Shard: "s0"}, {Shard: "s1"}}}
	for _, tc := range []struct {
		sql     string
		ex      *Exec
		refused bool
	}{
		{"SELECT f_plainread()", one, false},
		{"SELECT f_plainread() FROM items WHERE k = 1", other, true},
		{"SELECT k, f_plainread() FROM items", both, true},
		{"SELECT f_tok()", one, false},
		{"SELECT k, f_tok() FROM items", both, true},
		{"SELECT k, f_pure(k) FROM items", both, false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		err = r.CheckRunsOn(st, "shop", tc.ex)
		if me, _ := backend.ServerError(err); (me != nil && me.Code == mysql.ER_NOT_SUPPORTED_YET) != tc.refused {
			t.Errorf("%s on %v: %v, refused want %v", tc.sql, tc.ex.Parts, err, tc.refused)
		}
	}
}

// TestRoutineSchemaRoutes: a routine of another schema than the session's
// is created, and called, where that schema lives.
func TestRoutineSchemaRoutes(t *testing.T) {
	r := testRouter(t) // shop on s0, crm on s1
	for _, tc := range []struct{ sql, shard string }{
		{"CREATE PROCEDURE crm.p() SELECT 1", "s1"},
		{"CALL crm.p()", "s1"},
		{"CALL crm.p((SELECT COUNT(*) FROM crm.t))", "s1"},
		{"CALL p()", "s0"},
		{"CREATE FUNCTION crm.f() RETURNS INT RETURN 1", "s1"},
		{"DROP PROCEDURE crm.p", "s1"},
	} {
		p, err := planFor(t, r, tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		e, err := p.Bind(nil)
		if err != nil || len(e.Parts) != 1 || e.Parts[0].Shard != tc.shard {
			t.Errorf("%s: %v %v, want %s", tc.sql, e, err, tc.shard)
		}
	}
}

// TestCallArguments: a procedure runs on its schema's default shard; an
// argument read from a table elsewhere is refused.
func TestCallArguments(t *testing.T) {
	r := routinesRouter(t)
	for _, q := range []string{
		"CALL p_unknown((SELECT COUNT(*) FROM items))",
		"CALL p_unknown((SELECT COUNT(*) FROM regions_narrow WHERE k = 0), (SELECT 1 FROM items2 LIMIT 1))",
	} {
		if _, err := planFor(t, r, q); err == nil {
			t.Errorf("%s: planned, want refused", q)
		}
	}
	for _, q := range []string{"CALL p_unknown((SELECT COUNT(*) FROM plain))", "CALL p_unknown((SELECT COUNT(*) FROM regions))"} {
		if _, err := planFor(t, r, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestUsesDefaults: the writes that may store a column's default.
func TestUsesDefaults(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"INSERT INTO t (k, tok) VALUES (1, 5), (2, 6)", false},
		{"INSERT INTO t (k) VALUES (1)", true},
		{"INSERT INTO t VALUES (1, 5)", false},
		{"INSERT INTO t VALUES ()", true},
		{"INSERT INTO t () VALUES ()", true},
		{"INSERT INTO t (k, tok) VALUES (1, DEFAULT)", true},
		{"INSERT INTO t SET k = 1, tok = 2", false},
		{"INSERT INTO t SET k = 1", true},
		{"INSERT INTO t (k, tok) SELECT k, tok FROM u", false},
		{"UPDATE t SET v = 1", false},
		{"UPDATE t SET tok = DEFAULT", true},
		{"LOAD DATA LOCAL INFILE 'x' INTO TABLE t (k, tok)", true},
		// Which column a DEFAULT is for.
		{"UPDATE t SET v = DEFAULT WHERE k = 1", false},
		{"UPDATE t SET v = DEFAULT(tok)", true},
		{"INSERT INTO t (k, tok, v) VALUES (1, 'x', DEFAULT)", false},
		{"INSERT INTO t (k, v, tok) VALUES (1, 'x', DEFAULT)", true},
		{"INSERT INTO t VALUES (1, 'x', DEFAULT)", true}, // the column is the catalog's
		{"INSERT INTO t SET k = 1, tok = 2, v = DEFAULT", false},
		{"INSERT INTO t (k, tok) VALUES (1, 2) ON DUPLICATE KEY UPDATE v = DEFAULT", false},
		{"INSERT INTO t (k, tok) VALUES (1, 2) ON DUPLICATE KEY UPDATE tok = DEFAULT", true},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := usesDefaults(st, []string{"tok"}); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.sql, got, tc.want)
		}
	}
}
