package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SHOW TABLE STATUS [FROM db] [LIKE ... | WHERE ...] of a served schema
// lists its logical tables, one row each, with a sharded table's counts
// summed over its shards: its rows are made from the combined rows of
// information_schema.TABLES (infogather.go), which MariaDB fills from the
// same table statistics, with SHOW TABLE STATUS's column names. LIKE
// compares names case-sensitively, as MariaDB does on a case-sensitive file
// system; WHERE is evaluated by the shard over those rows; the rows are in
// name order (binary), as MariaDB lists them.

// tableStatusColumns maps SHOW TABLE STATUS's columns (MariaDB 10.11) to
// information_schema.TABLES's.
var tableStatusColumns = [][2]string{
	{"Name", "TABLE_NAME"}, {"Engine", "ENGINE"}, {"Version", "VERSION"}, {"Row_format", "ROW_FORMAT"},
	{"Rows", "TABLE_ROWS"}, {"Avg_row_length", "AVG_ROW_LENGTH"}, {"Data_length", "DATA_LENGTH"},
	{"Max_data_length", "MAX_DATA_LENGTH"}, {"Index_length", "INDEX_LENGTH"}, {"Data_free", "DATA_FREE"},
	{"Auto_increment", "AUTO_INCREMENT"}, {"Create_time", "CREATE_TIME"}, {"Update_time", "UPDATE_TIME"},
	{"Check_time", "CHECK_TIME"}, {"Collation", "TABLE_COLLATION"}, {"Checksum", "CHECKSUM"},
	{"Create_options", "CREATE_OPTIONS"}, {"Comment", "TABLE_COMMENT"},
	{"Max_index_length", "MAX_INDEX_LENGTH"}, {"Temporary", "TEMPORARY"},
}

// TableStatusColumns is the number of columns SHOW TABLE STATUS has.
const TableStatusColumns = 20

type tableStatus struct {
	schema string
	like   *ast.PatternLikeOrIlikeExpr
	where  ast.ExprNode
}

// PlanTableStatus returns how SHOW TABLE STATUS st is answered from the
// served schema's logical tables, and the schema it shows; nil when st is
// not SHOW TABLE STATUS of a served schema (information_schema's is the
// same on every shard). user may use the schema (checked by the caller's
// plan).
func (r *Router) PlanTableStatus(st *Statement, user, db string, v InfoSchemaView) (*InfoGather, string, error) {
	n, ok := st.Node.(*ast.ShowStmt)
	if !ok || n.Tp != ast.ShowTableStatus {
		return nil, "", nil
	}
	schema := n.DBName
	if schema == "" {
		schema = db
	}
	if _, err := r.resolve(schema, "", user, db); err != nil {
		return nil, "", err
	}
	sc := r.rules.Schema(schema)
	if sc == nil {
		return nil, "", nil
	}
	g := &InfoGather{st: st, db: db, view: v, rules: r.rules, tables: []string{"tables"},
		shown: &tableStatus{schema: sc.Name, like: n.Pattern, where: n.Where}}
	g.Reads = g.reads("tables", []string{sc.Name}, false)
	return g, sc.Name, nil
}

// query is the SELECT over derived, the combined rows of
// information_schema.TABLES, that gives SHOW TABLE STATUS's rows.
func (t *tableStatus) query(derived string) (string, error) {
	items := make([]string, len(tableStatusColumns))
	for i, c := range tableStatusColumns {
		items[i] = c[1] + " AS " + quoteName(c[0])
	}
	q := "SELECT * FROM (SELECT " + strings.Join(items, ", ") + " FROM " + derived + " AS t WHERE TABLE_SCHEMA = " +
		utf8mb3Literal(t.schema) + ") AS `TABLE_STATUS`"
	cond, err := showFilter(t.like, t.where, "CONVERT(`Name` USING utf8mb4) COLLATE utf8mb4_bin")
	if err != nil {
		return "", err
	}
	if cond != "" {
		q += " WHERE " + cond
	}
	return q + " ORDER BY CAST(`Name` AS BINARY)", nil
}

func (t *tableStatus) defsSQL() string { return "SHOW TABLE STATUS FROM information_schema WHERE 0" }

// DefsSQL is a statement whose column definitions are those of g's answer
// when g answers a SHOW statement; "" otherwise (the client's own text
// gives them).
func (g *InfoGather) DefsSQL() string {
	if g.shown == nil {
		return ""
	}
	return g.shown.defsSQL()
}
