package catalog

import (
	"errors"
	"strings"
	"testing"
)

func s(v string) *string { return &v }

func rows(vals ...[]*string) []Row {
	out := make([]Row, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

// shardSnap is the snapshot of a shard holding shop.t (id, name) and the
// given extra column type for name, "type|COLLATION_NAME" for another
// collation than utf8mb4_general_ci.
func shardSnap(t *testing.T, shard, nameType string, withTable bool) Snapshot {
	t.Helper()
	var tables, cols, keys []Row
	if withTable {
		tables = rows([]*string{s("shop"), s("t"), s("BASE TABLE")})
		typ, coll, found := strings.Cut(nameType, "|")
		if !found {
			coll = "utf8mb4_general_ci"
		}
		// Out of order on purpose: ORDINAL_POSITION decides.
		cols = rows(
			[]*string{s("shop"), s("t"), s("name"), s("2"), s(typ), s("YES"), s("NULL"), s(""), s(coll)},
			[]*string{s("shop"), s("t"), s("id"), s("1"), s("bigint(20)"), s("NO"), nil, s("auto_increment"), nil},
		)
		keys = rows(
			[]*string{s("shop"), s("t"), s("u"), s("1"), s("name")},
			[]*string{s("shop"), s("t"), s("PRIMARY"), s("1"), s("id")},
		)
	}
	snap, err := ParseSnapshot(shard, rows([]*string{s("shop")}), tables, cols, keys)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestParseSnapshot(t *testing.T) {
	snap := shardSnap(t, "s0", "varchar(10)", true)
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	tb := c.Table("SHOP", "T")
	if tb == nil {
		t.Fatal("shop.t not in the catalog")
	}
	if got := []string{tb.Columns[0].Name, tb.Columns[1].Name}; got[0] != "id" || got[1] != "name" {
		t.Errorf("columns %v, want [id name]", got)
	}
	if tb.AutoIncrement() != 0 || tb.Columns[0].HasDefault || !tb.Columns[1].HasDefault || tb.Columns[0].Nullable {
		t.Errorf("column attributes wrong: %+v", tb.Columns)
	}
	if pk := tb.PrimaryKey(); len(pk) != 1 || pk[0] != "id" || len(tb.Unique) != 2 || tb.Unique[1].Name != "u" {
		t.Errorf("keys %+v", tb.Unique)
	}
	if tb.Columns[0].Collation != "" || tb.Columns[1].Collation != "utf8mb4_general_ci" {
		t.Errorf("collations %q, %q; want none for the number, utf8mb4_general_ci", tb.Columns[0].Collation, tb.Columns[1].Collation)
	}
	if tb.ColumnIndex("NAME") != 1 || tb.HasColumn("x") {
		t.Error("ColumnIndex is not case-insensitive or finds missing columns")
	}
	if sh, ok := c.SchemaShards("shop"); !ok || len(sh) != 1 {
		t.Errorf("SchemaShards = %v, %v", sh, ok)
	}
	if c.Gen() != 1 || (*Catalog)(nil).Table("shop", "t") != nil {
		t.Error("Gen or nil catalog wrong")
	}
}

func TestBuildDifferences(t *testing.T) {
	both := func(string, string) []string { return []string{"s0", "s1"} }
	tests := []struct {
		name   string
		snaps  []Snapshot
		detail string // "" = no difference
		failed bool
		// diverged: statements on the table are refused (a collation
		// alone is allowed for by merges).
		diverged bool
	}{
		{"equal", []Snapshot{shardSnap(t, "s0", "varchar(10)", true), shardSnap(t, "s1", "varchar(10)", true)}, "", false, false},
		{"type", []Snapshot{shardSnap(t, "s0", "varchar(10)", true), shardSnap(t, "s1", "varchar(20)", true)}, "column 2: name varchar(10) COLLATE utf8mb4_general_ci DEFAULT NULL vs name varchar(20) COLLATE utf8mb4_general_ci DEFAULT NULL", false, true},
		{"collation", []Snapshot{shardSnap(t, "s0", "varchar(10)", true), shardSnap(t, "s1", "varchar(10)|LATIN1_SWEDISH_CI", true)},
			"column 2: name varchar(10) COLLATE utf8mb4_general_ci DEFAULT NULL vs name varchar(10) COLLATE latin1_swedish_ci DEFAULT NULL", false, false},
		{"missing", []Snapshot{shardSnap(t, "s0", "varchar(10)", true), shardSnap(t, "s1", "varchar(10)", false)}, "missing", false, true},
		{"unreadable", []Snapshot{shardSnap(t, "s0", "varchar(10)", true), {Shard: "s1", Err: errors.New("down")}}, "", true, false},
		{"first home missing", []Snapshot{shardSnap(t, "s0", "varchar(10)", false), shardSnap(t, "s1", "varchar(10)", true)}, "missing", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Build(2, tc.snaps, both)
			if c.Table("shop", "t") == nil {
				t.Fatal("table lost")
			}
			d := c.Differences()
			switch {
			case tc.detail == "" && len(d) != 0:
				t.Errorf("differences %+v, want none", d)
			case tc.detail != "" && (len(d) != 1 || !strings.Contains(d[0].Detail, tc.detail)):
				t.Errorf("differences %+v, want one saying %q", d, tc.detail)
			}
			if coll := c.Table("shop", "t").Columns[1].Collation; (tc.name == "collation") != (coll == MixedCollation) {
				t.Errorf("stored collation %q", coll)
			}
			if _, got := c.Diverged("SHOP", "T"); got != tc.diverged {
				t.Errorf("Diverged = %v, want %v", got, tc.diverged)
			}
			if (len(c.Failed()) > 0) != tc.failed {
				t.Errorf("failed %v", c.Failed())
			}
		})
	}
}

func TestQueriesQuote(t *testing.T) {
	q := Queries([]string{"shop", "o'x"})
	if !strings.Contains(q[0], "IN ('shop','o''x')") {
		t.Errorf("schema list not quoted: %s", q[0])
	}
}

// TestStoredFunctions: QueryTables lists a schema's stored functions and
// the tables of its triggers that may leave state with its tables; the
// catalog knows them by schema, whatever the case.
func TestStoredFunctions(t *testing.T) {
	tables := rows(
		[]*string{s("shop"), s("t"), s("BASE TABLE"), nil},
		[]*string{s("shop"), s("Fx"), s(statefulRoutine), nil},
		[]*string{s("shop"), s("T"), s(statefulTrigger), nil},
	)
	snap, err := ParseSnapshot("s1", rows([]*string{s("shop")}), tables, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Tables) != 1 || len(snap.Functions) != 1 {
		t.Fatalf("tables %d, functions %v: want 1 and [shop.Fx]", len(snap.Tables), snap.Functions)
	}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s1"} })
	if !c.StatefulRoutine("SHOP", "fx") || c.StatefulRoutine("shop", "t") || c.StatefulRoutine("crm", "fx") {
		t.Error("StatefulRoutine: want shop.fx only")
	}
	if !c.StatefulTrigger("shop", "t") || c.StatefulTrigger("shop", "fx") {
		t.Error("StatefulTrigger: want shop.t only")
	}
	if q := Queries([]string{"shop"})[1]; !strings.Contains(q, "ROUTINES WHERE ROUTINE_SCHEMA IN ('shop') AND (ROUTINE_DEFINITION IS NULL OR ROUTINE_DEFINITION LIKE '%@%'") ||
		!strings.Contains(q, "EVENT_OBJECT_SCHEMA IN ('shop') AND (ACTION_STATEMENT IS NULL OR ACTION_STATEMENT LIKE '%@%'") {
		t.Errorf("QueryTables does not read the schema's functions: %s", Queries([]string{"shop"})[1])
	}
}

// A routine or a trigger that calls a stateful routine (directly or
// through another caller) is stateful too.
func TestCallersOfStatefulRoutines(t *testing.T) {
	tables := rows(
		[]*string{s("shop"), s("t2"), s("BASE TABLE"), nil},
		[]*string{s("shop"), s("fx"), s(statefulRoutine), nil},
		[]*string{s("shop"), s("f3"), s(otherRoutine), s("RETURN `F2`() * 2")},
		[]*string{s("shop"), s("f2"), s(otherRoutine), s("BEGIN DECLARE x INT; SET x = shop.fx(); RETURN x; END")},
		[]*string{s("shop"), s("p2"), s(otherRoutine), s("BEGIN CALL fx; END")},
		[]*string{s("shop"), s("pure"), s(otherRoutine), s("RETURN CONCAT('fx(', 'x')")},
		[]*string{s("shop"), s("fxy"), s(otherRoutine), s("RETURN fxy2(1)")},
		[]*string{s("shop"), s("t2"), s(otherTrigger), s("SET NEW.a = f3()")},
		[]*string{s("shop"), s("t3"), s(otherTrigger), s("SET NEW.a = pure()")},
		[]*string{s("shop"), s("t4"), s(otherTrigger), s("CALL shop.p2;")},
		[]*string{s("shop"), s("t5"), s(otherTrigger), s("CALL shop.other;")},
	)
	snap, err := ParseSnapshot("s1", rows([]*string{s("shop")}), tables, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s1"} })
	for name, want := range map[string]bool{"fx": true, "f2": true, "f3": true, "p2": true, "pure": false, "fxy": false} {
		if got := c.StatefulRoutine("shop", name); got != want {
			t.Errorf("StatefulRoutine(shop, %s) = %v, want %v", name, got, want)
		}
	}
	if !c.StatefulTrigger("shop", "t2") || c.StatefulTrigger("shop", "t3") {
		t.Error("StatefulTrigger: want t2 (calls f3), not t3")
	}
	if !c.StatefulTrigger("shop", "t4") || c.StatefulTrigger("shop", "t5") {
		t.Error("StatefulTrigger: want t4 (CALL shop.p2 without parentheses), not t5")
	}
}

// A column INVISIBLE on one shard only is named in the difference.
func TestDifferenceNamesInvisible(t *testing.T) {
	snap := func(shard string, invisible bool) Snapshot {
		return Snapshot{Shard: shard, Schemas: []string{"shop"}, Tables: []*Table{{Schema: "shop", Name: "t",
			Columns: []Column{{Name: "k", Type: "int(11)"}, {Name: "h", Type: "int(11)", Invisible: invisible}}}}}
	}
	c := Build(1, []Snapshot{snap("s0", false), snap("s1", true)}, func(string, string) []string { return []string{"s0", "s1"} })
	d := c.Differences()
	if len(d) != 1 || !strings.Contains(d[0].Detail, "h int(11) NOT NULL vs h int(11) NOT NULL INVISIBLE") {
		t.Errorf("differences: %+v", d)
	}
}

// TestParseSnapshotWithoutCollation: a columns row without COLLATION_NAME
// (a reader of before it) reads as a column of no known collation.
func TestParseSnapshotWithoutCollation(t *testing.T) {
	tables := rows([]*string{s("shop"), s("t"), s("BASE TABLE")})
	cols := rows([]*string{s("shop"), s("t"), s("name"), s("1"), s("varchar(10)"), s("YES"), s("NULL"), s("")})
	snap, err := ParseSnapshot("s0", rows([]*string{s("shop")}), tables, cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := snap.Tables[0].Columns[0]; c.Name != "name" || c.Collation != "" {
		t.Errorf("column %+v, want name without collation", c)
	}
}

// TestBuildIndexDifferences: keys that are not unique are kept apart from
// the unique ones and compared between shards; a difference there alone
// is IndexesOnly.
func TestBuildIndexDifferences(t *testing.T) {
	snap := func(shard string, keys ...[]*string) Snapshot {
		tables := rows([]*string{s("shop"), s("t"), s("BASE TABLE")})
		cols := rows([]*string{s("shop"), s("t"), s("id"), s("1"), s("int(11)"), s("NO"), nil, s(""), nil},
			[]*string{s("shop"), s("t"), s("v"), s("2"), s("int(11)"), s("YES"), s("NULL"), s(""), nil})
		sn, err := ParseSnapshot(shard, rows([]*string{s("shop")}), tables, cols, rows(keys...))
		if err != nil {
			t.Fatal(err)
		}
		return sn
	}
	pk := []*string{s("shop"), s("t"), s("PRIMARY"), s("1"), s("id"), s("0")}
	iv := []*string{s("shop"), s("t"), s("iv"), s("1"), s("v"), s("1")}
	uv := []*string{s("shop"), s("t"), s("uv"), s("1"), s("v"), s("0")}
	both := func(string, string) []string { return []string{"s0", "s1"} }
	tests := []struct {
		name         string
		s0, s1       Snapshot
		diverged     bool
		indexesOnly  bool
		wantIndexes1 int // s1's other keys as read
	}{
		{"alike", snap("s0", pk, iv), snap("s1", iv, pk), false, false, 1},
		{"index on one shard", snap("s0", pk), snap("s1", pk, iv), true, true, 1},
		{"unique key on one shard", snap("s0", pk), snap("s1", pk, uv), true, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := len(tc.s1.Tables[0].Indexes); n != tc.wantIndexes1 {
				t.Errorf("s1 has %d other keys, want %d: %+v", n, tc.wantIndexes1, tc.s1.Tables[0])
			}
			c := Build(1, []Snapshot{tc.s0, tc.s1}, both)
			d, ok := c.Diverged("shop", "t")
			if ok != tc.diverged || d.IndexesOnly != tc.indexesOnly {
				t.Errorf("Diverged = %+v, %v; want diverged %v, indexes only %v", d, ok, tc.diverged, tc.indexesOnly)
			}
			if pk := c.Table("shop", "t").PrimaryKey(); len(pk) != 1 || pk[0] != "id" {
				t.Errorf("primary key %v", pk)
			}
		})
	}
}
