package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// information_schema through the proxy shows the served schemas the user
// may use (users[].schemas) and information_schema itself, never a shard's
// other databases (mysql, performance_schema, sys, other applications').
// A query over a table that lists schema objects runs on one shard (the
// session's default shard, as before) with each such table replaced by
//
//	(SELECT * FROM information_schema.T WHERE <the rows the user may see>) AS T
//
// which MariaDB merges into the query (derived_merge): the column
// definitions stay those of the real table, parameters and prepared
// statements work unchanged. The rows are one shard's: a schema whose
// default shard is another shows only its tables listed in the rules that
// have a copy there, so that each logical table appears at most once.
// Counts (TABLE_ROWS, DATA_LENGTH, ...) of a sharded table are those of
// its part on that shard. This filter is what statements that also read
// other tables get, and prepared statements with parameters other than
// text and integers; SELECTs over information_schema alone are answered
// from every shard's rows instead (infogather.go).
//
// Tables that list a shard's other databases or its connections' statements
// (InnoDB's internal tables, INNODB_TRX, per-table statistics, the backend
// account's privileges) are refused.

// infoTable names the columns of an information_schema table that say
// which schema (and table) a row belongs to; table is "" for rows of a
// schema (SCHEMATA, ROUTINES, ...).
type infoTable struct{ schema, table string }

var filteredInfoTables = map[string]infoTable{
	"schemata":                {"SCHEMA_NAME", ""},
	"tables":                  {"TABLE_SCHEMA", "TABLE_NAME"},
	"columns":                 {"TABLE_SCHEMA", "TABLE_NAME"},
	"statistics":              {"TABLE_SCHEMA", "TABLE_NAME"},
	"views":                   {"TABLE_SCHEMA", "TABLE_NAME"},
	"key_column_usage":        {"TABLE_SCHEMA", "TABLE_NAME"},
	"table_constraints":       {"TABLE_SCHEMA", "TABLE_NAME"},
	"referential_constraints": {"CONSTRAINT_SCHEMA", "TABLE_NAME"},
	"check_constraints":       {"CONSTRAINT_SCHEMA", "TABLE_NAME"},
	"partitions":              {"TABLE_SCHEMA", "TABLE_NAME"},
	"triggers":                {"EVENT_OBJECT_SCHEMA", "EVENT_OBJECT_TABLE"},
	"column_privileges":       {"TABLE_SCHEMA", "TABLE_NAME"},
	"table_privileges":        {"TABLE_SCHEMA", "TABLE_NAME"},
	"schema_privileges":       {"TABLE_SCHEMA", ""},
	"routines":                {"ROUTINE_SCHEMA", ""},
	"parameters":              {"SPECIFIC_SCHEMA", ""},
	"events":                  {"EVENT_SCHEMA", ""},
}

var refusedInfoTables = map[string]bool{
	"innodb_sys_tables": true, "innodb_sys_indexes": true, "innodb_sys_columns": true,
	"innodb_sys_fields": true, "innodb_sys_foreign": true, "innodb_sys_foreign_cols": true,
	"innodb_sys_tablespaces": true, "innodb_sys_virtual": true, "innodb_tablespaces_encryption": true,
	"innodb_buffer_page": true, "innodb_buffer_page_lru": true, "innodb_trx": true,
	"innodb_locks": true, "innodb_lock_waits": true, "table_statistics": true,
	"index_statistics": true, "user_statistics": true, "client_statistics": true,
	"user_privileges": true, "applicable_roles": true, "enabled_roles": true,
}

// InfoSchemaView is what a session may see of information_schema: the
// logical schemas it may use, and the shard the query runs on.
type InfoSchemaView struct {
	Schemas []string
	Shard   string
	// NextID, when set, is the next id the proxy's sequence gives a
	// sharded table (0: none known), which the table's AUTO_INCREMENT
	// counts as one server's counter does (infocombine.go).
	NextID func(schema, table string) uint64
}

// isInfoTable tells whether a table reference of st names an
// information_schema table (unqualified ones in the current database db,
// unless a CTE of that name is meant), and which.
func isInfoTable(st *Statement, tn *ast.TableName, db string) (string, bool) {
	schema := tn.Schema.O
	if schema == "" {
		schema = db
		cte := true
		for _, t := range st.Tables {
			if t.Schema == "" && strings.EqualFold(t.Name, tn.Name.O) {
				cte = false
			}
		}
		if cte {
			return "", false
		}
	}
	return tn.Name.L, isInformationSchema(schema)
}

// NeedsInfoView tells whether st can be planned over the user's view of
// information_schema (PlanTableStatus, PlanShowIndex, PlanShowRoutines,
// PlanInfoGather, FilterInfoSchema): a SHOW, or a statement naming an
// information_schema table. Any other statement skips building the view,
// which lists and sorts the schemas.
func NeedsInfoView(st *Statement, db string) bool {
	if _, ok := st.Node.(*ast.ShowStmt); ok {
		return true
	}
	for _, t := range st.Tables {
		if isInformationSchema(t.In(db)) {
			return true
		}
	}
	return false
}

// FilterInfoSchema returns the text st's shard runs: text (the client's,
// identity calls rewritten) with the schema-listing information_schema
// tables replaced by their rows the view allows; text itself when st reads
// none. st.Node is left as it was.
func (r *Router) FilterInfoSchema(st *Statement, text, db string, v InfoSchemaView) (string, error) {
	if sh, ok := st.Node.(*ast.ShowStmt); ok && sh.Tp == ast.ShowOpenTables {
		return openTablesText(sh, v)
	}
	reads := false
	for _, t := range st.Tables {
		schema := t.In(db)
		reads = reads || isInformationSchema(schema)
		if isInformationSchema(schema) && refusedInfoTables[strings.ToLower(t.Name)] {
			return "", mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
				"Access denied; you need (at least one of) the PROCESS privilege(s) for this operation: information_schema.%s lists the shards' other databases or connections, which xaproxy does not show", strings.ToUpper(t.Name)))
		}
	}
	if !reads || st.Node == nil {
		return text, nil
	}
	sw := &infoSwapper{st: st, db: db, where: func(name string) string { return r.infoWhere(name, v) }}
	st.Node.Accept(sw)
	if len(sw.swapped) == 0 {
		return text, nil
	}
	defer sw.undo()
	st.Node.Accept(&fieldNamer{sw: sw})
	return Restore(st.Node)
}

// fieldNamer names each unnamed select item as MariaDB names it from the
// client's text: a column reference as written (through a derived table
// MariaDB would give the column's own spelling), an expression by its
// text (the restored text may spell it otherwise: COUNT(1) for count(*)).
type fieldNamer struct{ sw *infoSwapper }

func (f *fieldNamer) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (f *fieldNamer) Leave(n ast.Node) (ast.Node, bool) {
	x, ok := n.(*ast.SelectField)
	if !ok || x.WildCard != nil || x.AsName.O != "" || x.Expr == nil {
		return n, true
	}
	name := x.Text()
	if c, isCol := x.Expr.(*ast.ColumnNameExpr); isCol {
		name = c.Name.Name.O
	}
	if name != "" {
		f.sw.named = append(f.sw.named, x)
		x.AsName = ast.NewCIStr(name)
	}
	return n, true
}

// infoSwapper puts the filtered derived tables in place of the real ones,
// remembering what it replaced.
type infoSwapper struct {
	st    *Statement
	db    string
	where func(table string) string
	// derived, when set, is each table's derived table of gathered rows
	// (infogather.go), put in place of the filtered one.
	derived map[string]string
	swapped []swappedSource
	named   []*ast.SelectField // items fieldNamer named
}

type swappedSource struct {
	ts     *ast.TableSource
	source ast.ResultSetNode
	alias  ast.CIStr
}

func (w *infoSwapper) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (w *infoSwapper) Leave(n ast.Node) (ast.Node, bool) {
	ts, ok := n.(*ast.TableSource)
	if !ok {
		return n, true
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return n, true
	}
	name, info := isInfoTable(w.st, tn, w.db)
	if _, filtered := filteredInfoTables[name]; !info || !filtered {
		return n, true
	}
	w.swapped = append(w.swapped, swappedSource{ts: ts, source: ts.Source, alias: ts.AsName})
	if ts.AsName.O == "" {
		ts.AsName = tn.Name
	}
	text, ok := w.derived[name]
	if !ok {
		text = "(SELECT * FROM information_schema." + strings.ToUpper(name) + " WHERE " + w.where(name) + ")"
	}
	ts.Source = &rawTable{TableName: tn, text: text}
	return n, true
}

func (w *infoSwapper) undo() {
	for _, s := range w.swapped {
		s.ts.Source, s.ts.AsName = s.source, s.alias
	}
	for _, f := range w.named {
		f.AsName = ast.CIStr{}
	}
}

// infoWhere is the condition on information_schema.<table>'s rows that
// keeps those the view may see on its shard.
func (r *Router) infoWhere(table string, v InfoSchemaView) string {
	cols := filteredInfoTables[table]
	whole := []string{utf8mb3Literal("information_schema")}
	var parts []string
	for _, name := range v.Schemas {
		sc := r.rules.Schema(name)
		if sc == nil {
			continue
		}
		if sc.DefaultShard == v.Shard || cols.table == "" {
			whole = append(whole, utf8mb3Literal(sc.Name))
			continue
		}
		// Another shard holds the schema's unsharded tables: only the
		// tables with a copy here are listed from here.
		var names []string
		for _, t := range sc.Tables {
			if contains(t.Shards, v.Shard) {
				names = append(names, utf8mb3Literal(t.Name))
			}
		}
		if len(names) > 0 {
			parts = append(parts, "("+cols.schema+" = "+utf8mb3Literal(sc.Name)+" AND "+cols.table+" IN ("+strings.Join(names, ", ")+"))")
		}
	}
	parts = append([]string{cols.schema + " IN (" + strings.Join(whole, ", ") + ")"}, parts...)
	return strings.Join(parts, " OR ")
}
