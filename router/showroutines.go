package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SHOW PROCEDURE STATUS and SHOW FUNCTION STATUS list the routines of the
// served schemas the user may use, as information_schema.ROUTINES does
// through the proxy: one shard's answer listed its other databases' (sys's
// functions) and missed the schemas whose default shard is another. The
// rows are made from the combined rows of ROUTINES, which MariaDB fills
// from the same mysql.proc, with the SHOW's column names, in mysql.proc's
// key order (database bytewise, then name); LIKE compares the name as
// MariaDB does (its collation, utf8mb3_general_ci); WHERE is evaluated by
// the shard over those rows.

// routineStatusColumns maps SHOW PROCEDURE STATUS's columns (MariaDB
// 10.11) to information_schema.ROUTINES's.
var routineStatusColumns = [][2]string{
	{"Db", "ROUTINE_SCHEMA"}, {"Name", "ROUTINE_NAME"}, {"Type", "ROUTINE_TYPE"}, {"Definer", "DEFINER"},
	{"Modified", "LAST_ALTERED"}, {"Created", "CREATED"}, {"Security_type", "SECURITY_TYPE"},
	{"Comment", "ROUTINE_COMMENT"}, {"character_set_client", "CHARACTER_SET_CLIENT"},
	{"collation_connection", "COLLATION_CONNECTION"}, {"Database Collation", "DATABASE_COLLATION"},
}

type routineStatus struct {
	kind  string // PROCEDURE or FUNCTION
	like  *ast.PatternLikeOrIlikeExpr
	where ast.ExprNode
}

// PlanShowRoutines returns how SHOW PROCEDURE or FUNCTION STATUS st is
// answered from the combined routines of the schemas of v; nil for
// another statement.
func (r *Router) PlanShowRoutines(st *Statement, db string, v InfoSchemaView) *InfoGather {
	n, ok := st.Node.(*ast.ShowStmt)
	if !ok || (n.Tp != ast.ShowProcedureStatus && n.Tp != ast.ShowFunctionStatus) {
		return nil
	}
	kind := "PROCEDURE"
	if n.Tp == ast.ShowFunctionStatus {
		kind = "FUNCTION"
	}
	g := &InfoGather{st: st, db: db, view: v, rules: r.rules, tables: []string{"routines"},
		shown: &routineStatus{kind: kind, like: n.Pattern, where: n.Where}}
	g.Reads = g.reads("routines", v.Schemas, false)
	return g
}

func (s *routineStatus) query(derived string) (string, error) {
	items := make([]string, len(routineStatusColumns))
	for i, c := range routineStatusColumns {
		items[i] = c[1] + " AS " + quoteName(c[0])
	}
	q := "SELECT * FROM (SELECT " + strings.Join(items, ", ") + " FROM " + derived + " AS t WHERE ROUTINE_TYPE = " +
		utf8mb3Literal(s.kind) + ") AS `ROUTINES`"
	cond, err := showFilter(s.like, s.where, "`Name`")
	if err != nil {
		return "", err
	}
	if cond != "" {
		q += " WHERE " + cond
	}
	return q + " ORDER BY CAST(`Db` AS BINARY), `Name`", nil
}

func (s *routineStatus) defsSQL() string { return "SHOW " + s.kind + " STATUS WHERE 0" }
