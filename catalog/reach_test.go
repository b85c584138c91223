package catalog

import (
	"reflect"
	"slices"
	"testing"
)

// TestBodyReach: what a body's words say, in any sql_mode's reading.
func TestBodyReach(t *testing.T) {
	snap := Snapshot{Shard: "s0", Schemas: []string{"shop"}, Tables: []*Table{
		{Schema: "shop", Name: "items"}, {Schema: "shop", Name: "regions"},
		{Schema: "shop", Name: "v1", View: true, Definition: "select `shop`.`items`.`k` AS `k` from `shop`.`items`"},
		{Schema: "shop", Name: "v2", View: true, Definition: "select `shop`.`v1`.`k` AS `k` from `shop`.`v1` join `shop`.`v1` `w`"},
	}}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	items := []Named{{Schema: "shop", Name: "items"}}
	for _, tc := range []struct {
		body   string
		tables []Named
		want   Reach // flags only
	}{
		{body: "RETURN (SELECT COUNT(*) FROM items)", tables: items},
		{body: "RETURN (SELECT COUNT(*) FROM `shop` . /* x */ `items`)", tables: items},
		{body: `RETURN (SELECT SUM(k) FROM "items")`, tables: items},
		{body: `RETURN (SELECT SUM(k) FROM (SELECT 'a\'b' AS "x\", k FROM items) d)`, tables: items},
		{body: `RETURN (SELECT CONCAT('\', SUM(k), '\') FROM items)`, tables: items},
		{body: "RETURN (SELECT COUNT(*) FROM v2)", tables: items},
		{body: "RETURN 'items' -- items"},
		{body: `RETURN "items"`, tables: items}, // a name under ANSI_QUOTES: counted, which refuses more
		{body: "RETURN REPLACE((SELECT MAX(code) FROM regions), 'a', 'b')", tables: []Named{{Schema: "shop", Name: "regions"}}},
		{body: "BEGIN INSERT INTO regions VALUES (1); RETURN 1; END", tables: []Named{{Schema: "shop", Name: "regions"}}, want: Reach{Writes: true}},
		{body: "RETURN UUID_SHORT()", want: Reach{Sequences: true}},
		{body: "RETURN NEXT VALUE FOR sq", want: Reach{Sequences: true}},
		{body: "RETURN RAND()", want: Reach{Random: true}},
		{body: "RETURN RAND ( )", want: Reach{Random: true}},
		{body: "SET NEW.token = UUID()", want: Reach{Random: true}},
		{body: "SET NEW.g = sys_guid()", want: Reach{Random: true}},
		{body: "SET NEW.at = SYSDATE(6)", want: Reach{Random: true}},
		{body: "SET NEW.at = NOW(6)"},
		{body: "SET NEW.uuid = 'UUID()'"},
		{body: "SET NEW.salt = HEX(RANDOM_BYTES(8))", want: Reach{Random: true}},
		{body: "SET NEW.src = @@server_id", want: Reach{Random: true}},
		{body: "SET NEW.src = @@GLOBAL.hostname", want: Reach{Random: true}},
		{body: "SET NEW.server_id = 1"},
		{body: "RETURN RAND(7)", want: Reach{Sequences: true}},
		{body: "BEGIN LOOP FETCH GROUP NEXT ROW; END LOOP; END", want: Reach{Aggregate: true}},
		{body: "BEGIN EXECUTE IMMEDIATE 'SELECT 1'; END", want: Reach{Dynamic: true}},
		{body: "RETURN LAST_INSERT_ID()", want: Reach{Session: true}},
		{body: "RETURN CURRENT_USER", want: Reach{Session: true}},
		{body: "BEGIN INSERT INTO user (a) VALUES (1); RETURN 1; END", want: Reach{Writes: true}},
		{body: "BEGIN GRANT ALL ON *.* TO x; END", want: Reach{Admin: true}},
		{body: "BEGIN START TRANSACTION; SELECT 1; END", want: Reach{Admin: true}},
		{body: "BEGIN SET autocommit = 0; END", want: Reach{Admin: true}},
		{body: "BEGIN SET @@session.autocommit = 0; END", want: Reach{Admin: true}},
		{body: "BEGIN IF @@autocommit = 1 THEN SELECT 1; END IF; END"},
		{body: "BEGIN SET @@GLOBAL.sql_mode = 'ANSI'; END", want: Reach{Admin: true}},
		{body: "BEGIN SET @a = 1, GLOBAL max_connections = 10; END", want: Reach{Admin: true}},
		{body: "BEGIN SET @a = 1, autocommit = 0; END", want: Reach{Admin: true}},
		{body: "BEGIN SET sql_select_limit = 1; END", want: Reach{Admin: true}},
		{body: "BEGIN SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; END", want: Reach{Admin: true}},
		{body: "BEGIN DECLARE x INT; SET x = 1, @y = (x + 1); END"},
		{body: "SET NEW.k = (SELECT 1)"},
		{body: "RETURN @@last_insert_id", want: Reach{Session: true}},
		{body: "RETURN LASTVAL(sq)", want: Reach{Session: true}},
		{body: "RETURN PREVIOUS VALUE FOR sq", want: Reach{Session: true}},
		{body: "RETURN GET_LOCK('x', 0)", want: Reach{Session: true}},
		{body: "BEGIN SHOW TABLES; END", want: Reach{InfoSchema: true}},
		{body: "BEGIN UPDATE plain SET timestamp = NOW(), role = 1; END", want: Reach{Writes: true}},
		{body: "INSERT INTO log SET password = 'x'", want: Reach{Writes: true}},
		{body: "BEGIN SET `autocommit` = 0; END", want: Reach{Admin: true}},
		{body: "BEGIN SET max_sp_recursion_depth = 10; END", want: Reach{Admin: true}},
		{body: "RETURN @@session.last_insert_id", want: Reach{Session: true}},
		{body: "(IN a INT, OUT p_out DECIMAL(10, 2)) BEGIN SET p_out = a; END"},
		{body: "() SET sql_select_limit = 1", want: Reach{Admin: true}},
		{body: "BEGIN DECLARE EXIT HANDLER FOR SQLEXCEPTION, NOT FOUND SET autocommit = 0; SELECT 1; END", want: Reach{Admin: true}},
		{body: "(x INT) MODIFIES SQL DATA COMMENT 'why' SET @a = 1, autocommit = x", want: Reach{Admin: true}},
		{body: "BEGIN DECLARE a, b INT DEFAULT 0; DECLARE done INT; DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1; lbl: LOOP SET a = 1, b = 2; END LOOP; END"},
		{body: "RETURN (SELECT COUNT(*) FROM information_schema.tables)", want: Reach{InfoSchema: true}},
		{body: "RETURN (SELECT LOAD_FILE('/etc/passwd'))", want: Reach{Admin: true}},
	} {
		got := c.BodyReach("shop", tc.body)
		if !slices.Equal(got.Tables, tc.tables) {
			t.Errorf("%s: tables %v, want %v", tc.body, got.Tables, tc.tables)
		}
		got.Tables = nil
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

// TestTriggerEvents: a write fires the triggers of its events only.
func TestTriggerEvents(t *testing.T) {
	snap := Snapshot{Shard: "s0", Schemas: []string{"shop"},
		Tables:   []*Table{{Schema: "shop", Name: "t"}, {Schema: "shop", Name: "items"}},
		Triggers: []Body{{Named: Named{Schema: "shop", Name: "t"}, Trigger: "tr", Event: "INSERT", Text: "INSERT INTO items VALUES (NEW.k)"}},
	}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	if r := c.WriteReach("shop", "t", EventDelete, EventUpdate); !r.Empty() {
		t.Errorf("DELETE and UPDATE of t: %+v, want nothing", r)
	}
	if r := c.WriteReach("shop", "T", EventInsert); len(r.Tables) != 1 || !r.Writes {
		t.Errorf("INSERT into t: %+v, want items written", r)
	}
	if c.TriggerTable("shop", "TR") != "t" {
		t.Errorf("TriggerTable(tr) = %q", c.TriggerTable("shop", "tr"))
	}
}

// TestDefaultsReachWriters: a body that writes a table whose column
// default calls UUID() (or a sequence) reaches that default, and so do
// the statements that fire it.
func TestDefaultsReachWriters(t *testing.T) {
	snap := Snapshot{Shard: "s0", Schemas: []string{"shop"},
		Tables: []*Table{
			{Schema: "shop", Name: "regions"}, {Schema: "shop", Name: "other"},
			{Schema: "shop", Name: "log", Columns: []Column{{Name: "k"}, {Name: "u", Default: "uuid()", HasDefault: true}}},
			{Schema: "shop", Name: "seqlog", Columns: []Column{{Name: "k"}, {Name: "n", Default: "nextval(`shop`.`sq`)", HasDefault: true}}},
		},
		Triggers: []Body{
			{Named: Named{Schema: "shop", Name: "regions"}, Trigger: "tr", Event: "INSERT", Text: "INSERT INTO log (k) VALUES (NEW.k)"},
			{Named: Named{Schema: "shop", Name: "regions"}, Trigger: "tr2", Event: "UPDATE", Text: "INSERT INTO seqlog (k) VALUES (NEW.k)"},
			// An UPDATE stores no default unless it writes DEFAULT.
			{Named: Named{Schema: "shop", Name: "regions"}, Trigger: "tr3", Event: "DELETE", Text: "UPDATE log SET k = OLD.k WHERE k = 0"},
			{Named: Named{Schema: "shop", Name: "other"}, Trigger: "tr4", Event: "UPDATE", Text: "UPDATE log SET u = CASE WHEN u IS NULL THEN DEFAULT(u) ELSE u END"},
		},
	}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	if r := c.WriteReach("shop", "regions", EventInsert); !r.Random || r.Sequences {
		t.Errorf("INSERT into regions fires a trigger writing log (DEFAULT uuid()): %+v, want Random", r)
	}
	if r := c.WriteReach("shop", "regions", EventUpdate); !r.Sequences || r.Random {
		t.Errorf("UPDATE of regions fires a trigger writing seqlog (DEFAULT nextval): %+v, want Sequences", r)
	}
	if r := c.WriteReach("shop", "regions", EventDelete); r.Random || r.Sequences {
		t.Errorf("DELETE of regions fires a trigger updating log without DEFAULT: %+v, want neither", r)
	}
	if r := c.WriteReach("shop", "other", EventUpdate); !r.Random {
		t.Errorf("UPDATE of other fires a trigger writing DEFAULT(u) into log: %+v, want Random", r)
	}
	if r := c.BodyReach("shop", "UPDATE log SET u = DEFAULT"); !r.Random {
		t.Errorf("a new body writing DEFAULT into log: %+v, want Random", r)
	}
	if got := c.RandomDefaults("shop", "LOG"); len(got) != 1 || got[0] != "u" {
		t.Errorf("RandomDefaults(log) = %q", got)
	}
}

// TestRoutineParams: a routine's SET of its own parameter, read from
// information_schema.PARAMETERS, is no session variable.
func TestRoutineParams(t *testing.T) {
	s := func(v string) *string { return &v }
	tables := []Row{
		{s("shop"), s("p_out"), s(otherRoutine), s("BEGIN SET r = 5; END"), s("PROCEDURE"), nil},
		{s("shop"), s("p_out"), s(routineParam), s("r"), nil, nil},
		{s("shop"), s("p_sv"), s(otherRoutine), s("BEGIN SET r = 5; END"), s("PROCEDURE"), nil},
		// A function and a procedure of one name: only the procedure
		// has r.
		{s("shop"), s("twin"), s(otherRoutine), s("BEGIN SET r = 5; END"), s("PROCEDURE"), nil},
		{s("shop"), s("twin"), s(routineParam), s("r"), s("PROCEDURE"), nil},
		{s("shop"), s("twin"), s(otherRoutine), s("BEGIN SET r = 5; RETURN 1; END"), s("FUNCTION"), nil},
	}
	snap, err := ParseSnapshot("s0", []Row{{s("shop")}}, tables, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	if r := c.ProcedureReach("shop", "p_out"); !r.Empty() {
		t.Errorf("p_out sets its parameter: %+v", r)
	}
	if r := c.ProcedureReach("shop", "p_sv"); !r.Admin {
		t.Errorf("p_sv sets r, no parameter of its: %+v, want Admin", r)
	}
	if r := c.RoutineReach("shop", "p_sv"); !r.Empty() {
		t.Errorf("p_sv is a procedure, not a function: %+v", r)
	}
	if r := c.ProcedureReach("shop", "twin"); !r.Empty() {
		t.Errorf("procedure twin sets its parameter: %+v", r)
	}
	if r := c.RoutineReach("shop", "twin"); !r.Admin {
		t.Errorf("function twin sets r, a parameter of the procedure only: %+v, want Admin", r)
	}
}

// TestParseInvisible: a column whose EXTRA says INVISIBLE (MariaDB writes
// it beside other words) is left out of the positions.
func TestParseInvisible(t *testing.T) {
	s := func(v string) *string { return &v }
	snap, err := ParseSnapshot("s0", []Row{{s("shop")}},
		[]Row{{s("shop"), s("t"), s("BASE TABLE"), nil, nil, nil}},
		[]Row{
			{s("shop"), s("t"), s("h"), s("1"), s("int(11)"), s("YES"), s("NULL"), s("on update current_timestamp(), INVISIBLE")},
			{s("shop"), s("t"), s("k"), s("2"), s("int(11)"), s("NO"), nil, s("")},
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tb := snap.Tables[0]
	if !tb.Columns[0].Invisible || tb.Columns[1].Invisible || tb.PositionOf("k") != 0 || tb.PositionOf("h") != -1 || len(tb.Positional()) != 1 {
		t.Errorf("columns %+v: want h INVISIBLE, k at position 0", tb.Columns)
	}
}
