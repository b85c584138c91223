package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SHOW [GLOBAL | SESSION] STATUS lists, among the server's counters, the
// Ssl_% variables of the asking connection's TLS session, which through
// xaproxy is the client's session with the proxy. The proxy runs the
// statement on a shard for everything else and puts its own rows in place
// of the shard's Ssl_% rows; to know which of its rows the statement's
// LIKE or WHERE keeps, it asks the shard with StatusFilter, the same
// condition over a derived table of those rows typed as SHOW STATUS's
// columns (Variable_name VARCHAR(64), Value VARCHAR(2048), utf8mb3_general_ci),
// so that MariaDB compares as it would on its own rows.

// ShowStatus recognises SHOW [GLOBAL | SESSION] STATUS [LIKE | WHERE].
func ShowStatus(st *Statement) (*ast.ShowStmt, bool) {
	sh, ok := st.Node.(*ast.ShowStmt)
	return sh, ok && sh.Tp == ast.ShowStatus
}

// StatusRow is one row of SHOW STATUS.
type StatusRow struct{ Name, Value string }

// StatusFilter returns the query that lists the names of those of rows
// that sh's LIKE or WHERE keeps; "" when it has neither (all are kept).
func StatusFilter(sh *ast.ShowStmt, rows []StatusRow) (string, error) {
	var cond string
	switch {
	case sh.Pattern != nil && sh.Pattern.Pattern != nil:
		p, err := Restore(sh.Pattern.Pattern)
		if err != nil {
			return "", err
		}
		not := ""
		if sh.Pattern.Not {
			not = "NOT "
		}
		cond = "Variable_name " + not + "LIKE " + p
	case sh.Where != nil:
		w, err := Restore(sh.Where)
		if err != nil {
			return "", err
		}
		cond = w
	default:
		return "", nil
	}
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = "SELECT CAST(" + utf8mb3Literal(r.Name) + " AS CHAR(64) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci AS Variable_name, " +
			"CAST(" + utf8mb3Literal(r.Value) + " AS CHAR(2048) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci AS Value"
	}
	return "SELECT Variable_name FROM (" + strings.Join(parts, " UNION ALL ") + ") AS xaproxy_status WHERE " + cond, nil
}
