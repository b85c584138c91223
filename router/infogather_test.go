package router

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func gatherRouter(t *testing.T) *Router {
	return routerWith(t, 3, `
  - name: shop
    default_shard: s0
    tables:
      - {name: orders, shard_key: id, algorithm: mod, shards: [s0, s1, s2]}
      - {name: regions, broadcast: true, shards: [s1, s2]}
  - {name: crm, default_shard: s1}
`)
}

var tablesCols = []InfoColumn{
	{Name: "TABLE_SCHEMA", Type: mysql.MYSQL_TYPE_VAR_STRING, Collation: "utf8mb3_general_ci"},
	{Name: "TABLE_NAME", Type: mysql.MYSQL_TYPE_VAR_STRING, Collation: "utf8mb3_general_ci"},
	{Name: "TABLE_ROWS", Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true},
	{Name: "AVG_ROW_LENGTH", Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true},
	{Name: "DATA_LENGTH", Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true},
	{Name: "AUTO_INCREMENT", Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true},
	{Name: "CREATE_TIME", Type: mysql.MYSQL_TYPE_DATETIME},
	{Name: "UPDATE_TIME", Type: mysql.MYSQL_TYPE_DATETIME},
}

func row(vals ...string) [][]byte {
	out := make([][]byte, len(vals))
	for i, v := range vals {
		if v != "NULL" {
			out[i] = []byte(v)
		}
	}
	return out
}

func TestPlanInfoGather(t *testing.T) {
	r := gatherRouter(t)
	p := NewParser()
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	for _, tc := range []struct {
		sql   string
		reads map[string]string // shard: substring of its read; nil: not gathered
	}{
		{sql: "SELECT * FROM information_schema.TABLES", reads: map[string]string{
			"s0": "TABLE_SCHEMA IN (" + utf8mb3Literal("information_schema") + ", " + utf8mb3Literal("shop") + ")",
			"s1": "TABLE_SCHEMA IN (" + utf8mb3Literal("crm") + ") OR (TABLE_SCHEMA = " + utf8mb3Literal("shop") + " AND TABLE_NAME IN (",
			"s2": "(TABLE_SCHEMA = " + utf8mb3Literal("shop") + " AND TABLE_NAME IN ("}},
		{sql: "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA", reads: map[string]string{
			"s0": "SCHEMA_NAME IN (" + utf8mb3Literal("information_schema") + ", " + utf8mb3Literal("shop") + ")",
			"s1": "SCHEMA_NAME IN (" + utf8mb3Literal("crm") + ")"}},
		{sql: "SELECT * FROM information_schema.TABLES WHERE TABLE_NAME = ?"},
		{sql: "SELECT * FROM information_schema.TABLES t JOIN shop.orders o"},
		{sql: "SELECT * FROM information_schema.COLLATIONS"},
		{sql: "SELECT * FROM information_schema.PROCESSLIST"},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		g := r.PlanInfoGather(st, "", view)
		if tc.reads == nil {
			if g != nil {
				t.Errorf("%s: gathered, want the one-shard filter", tc.sql)
			}
			continue
		}
		if g == nil {
			t.Fatalf("%s: not gathered", tc.sql)
		}
		got := map[string]string{}
		for _, rd := range g.Reads {
			got[rd.Shard] = rd.SQL
		}
		if len(got) != len(tc.reads) {
			t.Errorf("%s: reads %v", tc.sql, got)
		}
		for shard, want := range tc.reads {
			if !strings.Contains(got[shard], want) {
				t.Errorf("%s: shard %s reads %q, want %q in it", tc.sql, shard, got[shard], want)
			}
		}
	}
}

func TestCombineTables(t *testing.T) {
	r := gatherRouter(t)
	st, err := NewParser().Parse("SELECT * FROM information_schema.TABLES")
	if err != nil {
		t.Fatal(err)
	}
	g := r.PlanInfoGather(st, "", InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"})
	res := func(rows ...[][]byte) *InfoResult { return &InfoResult{Cols: tablesCols, Rows: rows} }
	byShard := map[string]*InfoResult{
		"s0": res(
			row("information_schema", "TABLES", "NULL", "0", "0", "NULL", "NULL", "NULL"),
			row("shop", "items", "5", "3276", "16384", "6", "2024-01-02 00:00:00", "NULL"),
			row("shop", "orders", "2", "8192", "16384", "11", "2024-01-03 00:00:00", "2024-02-01 00:00:00"),
			row("shop", "stray", "1", "16384", "16384", "NULL", "2024-01-01 00:00:00", "NULL"), // unsharded: kept
		),
		"s1": res(
			row("crm", "leads", "7", "2340", "16384", "NULL", "2024-01-01 00:00:00", "NULL"),
			row("shop", "orders", "3", "5461", "16384", "21", "2024-01-01 00:00:00", "2024-03-01 00:00:00"),
			row("shop", "regions", "4", "4096", "16384", "NULL", "2024-01-05 00:00:00", "NULL"),
		),
		"s2": res(
			row("shop", "orders", "0", "0", "16384", "1", "2024-01-04 00:00:00", "NULL"),
			row("shop", "regions", "4", "4096", "16384", "NULL", "2024-01-06 00:00:00", "NULL"),
		),
	}
	got := g.combine("tables", byShard).Rows
	want := [][][]byte{
		row("information_schema", "TABLES", "NULL", "0", "0", "NULL", "NULL", "NULL"),
		row("shop", "items", "5", "3276", "16384", "6", "2024-01-02 00:00:00", "NULL"),
		// 2+3+0 rows, 3 x 16384 bytes: 49152/5; the greatest counter; the
		// earliest creation, the latest update.
		row("shop", "orders", "5", "9830", "49152", "21", "2024-01-01 00:00:00", "2024-03-01 00:00:00"),
		row("shop", "stray", "1", "16384", "16384", "NULL", "2024-01-01 00:00:00", "NULL"),
		row("crm", "leads", "7", "2340", "16384", "NULL", "2024-01-01 00:00:00", "NULL"),
		// broadcast: one copy's (its first shard's: s0 has none)
		row("shop", "regions", "4", "4096", "16384", "NULL", "2024-01-05 00:00:00", "NULL"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("combined rows\n got %q\nwant %q", got, want)
	}
}

func TestCombineOneShardRows(t *testing.T) {
	r := gatherRouter(t)
	st, _ := NewParser().Parse("SELECT * FROM information_schema.COLUMNS")
	g := r.PlanInfoGather(st, "", InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s1"})
	cols := []InfoColumn{{Name: "TABLE_SCHEMA"}, {Name: "TABLE_NAME"}, {Name: "COLUMN_NAME"}}
	byShard := map[string]*InfoResult{
		"s0": {Cols: cols, Rows: [][][]byte{row("shop", "items", "id"), row("shop", "orders", "id"), row("shop", "orders", "x")}},
		"s1": {Cols: cols, Rows: [][][]byte{row("shop", "orders", "id"), row("shop", "orders", "x"), row("crm", "leads", "id")}},
		"s2": {Cols: cols, Rows: [][][]byte{row("shop", "orders", "id"), row("shop", "orders", "x")}},
	}
	got := g.combine("columns", byShard).Rows
	// The view's shard s1 first: its orders and crm's leads, then shop's
	// unsharded items from s0; no column twice.
	want := [][][]byte{row("shop", "orders", "id"), row("shop", "orders", "x"), row("crm", "leads", "id"), row("shop", "items", "id")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("combined rows\n got %q\nwant %q", got, want)
	}
}

func TestCastValue(t *testing.T) {
	for _, tc := range []struct {
		col  InfoColumn
		v    []byte
		want string
	}{
		{InfoColumn{Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true}, []byte("42"), "CAST(42 AS UNSIGNED)"},
		{InfoColumn{Type: mysql.MYSQL_TYPE_LONGLONG}, nil, "CAST(NULL AS SIGNED)"},
		{InfoColumn{Type: mysql.MYSQL_TYPE_LONGLONG}, []byte("1;DROP"), "CAST(" + utf8mb3Literal("1;DROP") + " AS SIGNED)"},
		{InfoColumn{Type: mysql.MYSQL_TYPE_DATETIME}, []byte("2024-01-01 00:00:00"), "CAST(" + utf8mb3Literal("2024-01-01 00:00:00") + " AS DATETIME)"},
		{InfoColumn{Type: mysql.MYSQL_TYPE_VAR_STRING, Collation: "utf8mb3_general_ci"}, []byte("it's"), "CAST(" + utf8mb3Literal("it's") + " AS CHAR CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci"},
		{InfoColumn{Type: mysql.MYSQL_TYPE_BLOB, Collation: "binary"}, []byte{0, 1}, "CAST(X'0001' AS BINARY)"},
		{InfoColumn{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Decimals: 3}, []byte("1.500"), "CAST(1.500 AS DECIMAL(65,3))"},
	} {
		if got := castValue(tc.col, tc.v); got != tc.want {
			t.Errorf("castValue(%+v, %q) = %s, want %s", tc.col, tc.v, got, tc.want)
		}
	}
}

func TestTableStatusQuery(t *testing.T) {
	r := gatherRouter(t)
	p := NewParser()
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	for _, tc := range []struct {
		sql, db string
		want    string // substring of the query
		code    uint16
	}{
		{sql: "SHOW TABLE STATUS", db: "shop", want: ") AS `TABLE_STATUS` ORDER BY CAST(`Name` AS BINARY)"},
		{sql: "SHOW TABLE STATUS FROM crm LIKE 'le%'", db: "shop", want: "WHERE CONVERT(`Name` USING utf8mb4) COLLATE utf8mb4_bin LIKE 'le%'"},
		{sql: "SHOW TABLE STATUS WHERE `Rows` > 1", db: "shop", want: "WHERE `Rows`>1"},
		{sql: "SHOW TABLE STATUS FROM mysql", db: "shop", code: 1044},
		{sql: "SHOW TABLE STATUS", code: 1046},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		g, _, err := r.PlanTableStatus(st, "app", tc.db, view)
		if tc.code != 0 {
			if me, ok := err.(*mysql.MyError); !ok || me.Code != tc.code {
				t.Errorf("%s: err %v, want %d", tc.sql, err, tc.code)
			}
			continue
		}
		if err != nil || g == nil {
			t.Fatalf("%s: %v %v", tc.sql, g, err)
		}
		q, err := g.Rewrite(map[string]map[string]*InfoResult{"tables": {"s0": {Cols: tablesCols}}}, Identity{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(q, tc.want) {
			t.Errorf("%s:\n%s\nwant %s in it", tc.sql, q, tc.want)
		}
	}
}

func TestPreparedInfoGather(t *testing.T) {
	r := gatherRouter(t)
	p := NewParser()
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	st, err := p.Parse("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")
	if err != nil {
		t.Fatal(err)
	}
	if !ReadsOnlyInfoSchema(st, "shop") || r.PlanInfoGather(st, "shop", view) != nil {
		t.Fatal("a SELECT of information_schema with parameters: gathered for a text query, or not read as information_schema's")
	}
	g := r.PlanInfoGatherBound(st, "shop", view)
	if g == nil {
		t.Fatal("not gathered for a prepared execution")
	}
	params := []Param{{Literal: "'shop'"}, {Literal: "'it''s'"}}
	q, err := g.RewriteBound(map[string]map[string]*InfoResult{"tables": {"s0": {Cols: tablesCols}}}, Identity{}, params)
	if err != nil || !strings.HasSuffix(q, "WHERE `TABLE_SCHEMA`='shop' AND `TABLE_NAME`='it''s'") {
		t.Errorf("bound rewrite: %s %v", q, err)
	}
	if txt, err := BindText("SELECT '?', `?`, ? FROM t WHERE a = ?", params); err != nil || txt != "SELECT '?', `?`, 'shop' FROM t WHERE a = 'it''s'" {
		t.Errorf("BindText: %s %v", txt, err)
	}
	if _, err := BindText("SELECT ?", params); err == nil {
		t.Error("BindText with two parameters for one marker: no error")
	}
	other, err := p.Parse("SELECT * FROM information_schema.TABLES JOIN shop.orders")
	if err != nil {
		t.Fatal(err)
	}
	if ReadsOnlyInfoSchema(other, "shop") {
		t.Error("a join with a table of the schema read as information_schema only")
	}
}

func TestAddChecksums(t *testing.T) {
	for _, tc := range []struct{ a, b, want []byte }{
		{[]byte("4108489196"), []byte("4172675224"), []byte("3986197124")},
		{[]byte("1"), []byte("2"), []byte("3")},
		{nil, []byte("2"), nil},
		{[]byte("1"), nil, nil},
	} {
		if got := addChecksums(tc.a, tc.b); string(got) != string(tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("addChecksums(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
