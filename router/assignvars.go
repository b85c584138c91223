package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// User variables a statement other than SET assigns live in the backend
// connection it ran on: `SELECT @x := expr ...` and `SELECT ... INTO @x`
// (which the TiDB parser does not parse). The proxy reads them back there
// and records them with the session's variables (docs/session-state.md,
// treatment 1).

// assignCollector gathers the variables of `@x := expr`.
type assignCollector struct{ names []string }

func (c *assignCollector) Enter(n ast.Node) (ast.Node, bool) {
	if v, ok := n.(*ast.VariableExpr); ok && !v.IsSystem && v.Value != nil {
		c.names = appendVarName(c.names, "@"+strings.ToLower(v.Name))
	}
	return n, false
}

func (c *assignCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// assignedVars lists the user variables n assigns with :=, and those a
// CALL passes as arguments (an OUT or INOUT parameter assigns them).
func assignedVars(n ast.Node) []string {
	var c assignCollector
	n.Accept(&c)
	if call, ok := n.(*ast.CallStmt); ok {
		for _, a := range call.Procedure.Args {
			if v, ok := a.(*ast.VariableExpr); ok && !v.IsSystem && v.Value == nil {
				c.names = appendVarName(c.names, "@"+strings.ToLower(v.Name))
			}
		}
	}
	return c.names
}

// splitIntoVars finds `INTO @a, @b` at the top level of a SELECT (MariaDB
// takes it after the select list or at the end), which the TiDB parser
// does not know: base is sql with the clause blanked out, for planning;
// the shard runs sql itself.
func splitIntoVars(sql string) (base string, vars []string, ok bool) {
	head := skipCommentsAndSpace(sql)
	if !isKeyword(head, "SELECT") && !isKeyword(head, "WITH") && !strings.HasPrefix(head, "(") {
		return "", nil, false
	}
	i := topLevelKeyword(sql, "INTO")
	if i < 0 {
		return "", nil, false
	}
	end, names := intoVarList(sql, i+len("INTO"))
	if names == nil {
		return "", nil, false
	}
	return sql[:i] + strings.Repeat(" ", end-i) + sql[end:], names, true
}

// intoVarList reads `@a, @`b c“ from sql[i:]; end is where it stops.
func intoVarList(sql string, i int) (end int, names []string) {
	for {
		for i < len(sql) && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r') {
			i++
		}
		if i >= len(sql) || sql[i] != '@' || (i+1 < len(sql) && sql[i+1] == '@') {
			return 0, nil
		}
		i++
		var name string
		if i < len(sql) && sql[i] == '`' {
			j := strings.IndexByte(sql[i+1:], '`')
			if j < 0 {
				return 0, nil
			}
			name, i = sql[i+1:i+1+j], i+j+2
		} else {
			j := i
			for j < len(sql) && (sqllex.IsWordByte(sql[j]) || sql[j] == '$' || sql[j] == '.') {
				j++
			}
			name, i = sql[i:j], j
		}
		if name == "" {
			return 0, nil
		}
		names = appendVarName(names, "@"+strings.ToLower(name))
		k := i
		for k < len(sql) && (sql[k] == ' ' || sql[k] == '\t' || sql[k] == '\n' || sql[k] == '\r') {
			k++
		}
		if k >= len(sql) || sql[k] != ',' {
			return i, names
		}
		i = k + 1
	}
}

func appendVarName(names []string, name string) []string {
	for _, n := range names {
		if n == name {
			return names
		}
	}
	return append(names, name)
}
