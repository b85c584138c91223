package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// A plain SELECT that reads only information_schema is answered for the
// logical schemas, not for one shard (infoschema.go filters one shard's
// rows): the proxy reads the rows of each schema-listing table it names
// from every shard that holds some of the user's schemas (Reads), keeps
// one row per logical object and sums a sharded table's counts over its
// shards (infocombine.go), and the query then runs on one shard with each
// such table replaced by a derived table of those rows, typed as the real
// columns, so that MariaDB evaluates WHERE, ORDER BY, joins and
// expressions as on the real table. The column definitions are those the
// shard gives the client's own text (as for the process list).
//
// A prepared statement's execution is answered so too, its parameters
// written into the text (RewriteBound); statements that also read other
// tables keep the one-shard filter of infoschema.go.

// InfoRead is one internal query: the rows of information_schema.Table a
// shard holds for the view.
type InfoRead struct {
	Table string // lower-case information_schema table name
	Shard string
	SQL   string
}

// InfoGather answers a statement from gathered information_schema rows.
type InfoGather struct {
	st    *Statement
	db    string
	view  InfoSchemaView
	rules *sharding.Rules
	Reads []InfoRead
	// tables are the schema-listing tables the statement names.
	tables []string
	// shown, for SHOW TABLE STATUS and SHOW INDEX, makes the SHOW's rows
	// from the combined rows (tablestatus.go, showindex.go).
	shown shownRows
}

// shownRows is a SHOW statement answered from combined rows of one
// information_schema table.
type shownRows interface {
	// query is the SELECT over derived (the combined rows) that gives
	// the SHOW's rows.
	query(derived string) (string, error)
	// defsSQL is a statement whose column definitions are the SHOW's,
	// which any shard can run.
	defsSQL() string
}

// PlanInfoGather returns how st, run by a session whose database is db, is
// answered from gathered rows; nil when st is not such a statement (it
// then keeps the one-shard filter, FilterInfoSchema).
func (r *Router) PlanInfoGather(st *Statement, db string, v InfoSchemaView) *InfoGather {
	if st.Node == nil || HasParams(st.Node) {
		return nil
	}
	return r.planInfoGather(st, db, v)
}

// PlanInfoGatherBound is PlanInfoGather for the execution of a prepared
// statement, whose parameters RewriteBound writes into the text.
func (r *Router) PlanInfoGatherBound(st *Statement, db string, v InfoSchemaView) *InfoGather {
	if st.Node == nil {
		return nil
	}
	return r.planInfoGather(st, db, v)
}

func (r *Router) planInfoGather(st *Statement, db string, v InfoSchemaView) *InfoGather {
	if st.Identity&UsesConnectAttrs != 0 {
		return nil
	}
	switch st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return nil
	}
	var tables []string
	for _, t := range st.Tables {
		schema := t.In(db)
		name := strings.ToLower(t.Name)
		if !isInformationSchema(schema) || refusedInfoTables[name] || name == "processlist" {
			return nil
		}
		if _, ok := filteredInfoTables[name]; ok && !contains(tables, name) {
			tables = append(tables, name)
		}
	}
	if len(tables) == 0 {
		return nil
	}
	g := &InfoGather{st: st, db: db, view: v, rules: r.rules, tables: tables}
	for _, name := range tables {
		g.Reads = append(g.Reads, g.reads(name, v.Schemas, true)...)
	}
	return g
}

// reads are the queries of table's rows on each shard: a schema's rows
// from its default shard, a listed table's from the shards it spans (the
// proxy keeps the right ones, keep), information_schema's own from the
// view's shard when withInfo.
func (g *InfoGather) reads(table string, schemas []string, withInfo bool) []InfoRead {
	cols := filteredInfoTables[table]
	var out []InfoRead
	for _, shard := range g.rules.Shards() {
		var whole, parts []string
		if withInfo && shard == g.view.Shard {
			whole = append(whole, utf8mb3Literal("information_schema"))
		}
		for _, name := range schemas {
			sc := g.rules.Schema(name)
			if sc == nil {
				continue
			}
			if sc.DefaultShard == shard {
				whole = append(whole, utf8mb3Literal(sc.Name))
				continue
			}
			if cols.table == "" {
				continue
			}
			var names []string
			for _, t := range sc.Tables {
				if contains(t.Shards, shard) {
					names = append(names, utf8mb3Literal(t.Name))
				}
			}
			if len(names) > 0 {
				parts = append(parts, "("+cols.schema+" = "+utf8mb3Literal(sc.Name)+" AND "+cols.table+" IN ("+strings.Join(names, ", ")+"))")
			}
		}
		if len(whole) > 0 {
			parts = append([]string{cols.schema + " IN (" + strings.Join(whole, ", ") + ")"}, parts...)
		}
		if len(parts) == 0 {
			continue
		}
		out = append(out, InfoRead{Table: table, Shard: shard,
			SQL: "SELECT * FROM information_schema." + strings.ToUpper(table) + " WHERE " + strings.Join(parts, " OR ")})
	}
	return out
}

// Shard is where the rewritten statement runs (any shard evaluates the
// derived tables alike: the session's default shard).
func (g *InfoGather) Shard() string { return g.view.Shard }

// Rewrite returns the text the shard runs: the statement with each
// schema-listing table replaced by the combined rows of results (by table,
// then shard) and its identity calls by id's values.
func (g *InfoGather) Rewrite(results map[string]map[string]*InfoResult, id Identity) (string, error) {
	return g.RewriteBound(results, id, nil)
}

// RewriteBound is Rewrite with params, a prepared statement's bound
// parameters, written in place of its markers (a SELECT's only).
func (g *InfoGather) RewriteBound(results map[string]map[string]*InfoResult, id Identity, params []Param) (string, error) {
	derived := map[string]string{}
	for _, name := range g.tables {
		res := g.combine(name, results[name])
		if g.shown == nil {
			res = g.exactNames(name, res, params)
		}
		derived[name] = res.DerivedTable()
	}
	if g.shown != nil {
		return g.shown.query(derived[g.tables[0]])
	}
	sw := &infoSwapper{st: g.st, db: g.db, where: nil}
	sw.derived = derived
	g.st.Node.Accept(sw)
	defer sw.undo()
	if params == nil {
		return RewriteIdentity(g.st, id)
	}
	if _, err := RewriteIdentity(g.st, id); err != nil {
		return "", err
	}
	t := templateOf(g.st.Node)
	return t.bound(params)
}

// MayGatherInfo tells, without allocating, whether st may be answered
// from every shard's information_schema (an InfoGather): SHOW TABLE
// STATUS, SHOW INDEX, SHOW PROCEDURE/FUNCTION STATUS, or a read naming an
// information_schema table. Every execution of a prepared statement asks,
// so the planners (and the session's view they need) run only for these.
func MayGatherInfo(st *Statement, db string) bool {
	switch n := st.Node.(type) {
	case *ast.ShowStmt:
		switch n.Tp {
		case ast.ShowTableStatus, ast.ShowIndex, ast.ShowProcedureStatus, ast.ShowFunctionStatus:
			return true
		}
	case *ast.SelectStmt, *ast.SetOprStmt:
		for _, t := range st.Tables {
			if isInformationSchema(t.In(db)) {
				return true
			}
		}
	}
	return false
}

// ReadsOnlyInfoSchema tells whether st is a SELECT whose tables are all
// information_schema's (where a prepared execution may be gathered).
func ReadsOnlyInfoSchema(st *Statement, db string) bool {
	switch st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return false
	}
	for _, t := range st.Tables {
		if !isInformationSchema(t.In(db)) {
			return false
		}
	}
	return len(st.Tables) > 0
}
