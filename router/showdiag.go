package router

import (
	"regexp"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// showDiagLimit matches SHOW WARNINGS|ERRORS LIMIT [offset,] count, which
// MariaDB accepts and the TiDB parser does not.
var showDiagLimit = regexp.MustCompile(`(?is)^SHOW\s+(WARNINGS|ERRORS)\s+(LIMIT\s+\d+\s*(?:,\s*\d+)?)\s*;?\s*$`)

// parseShowDiagLimit classifies SHOW WARNINGS or SHOW ERRORS with a LIMIT:
// a ShowStmt given the LIMIT of a SELECT parsed the same way.
func (p *Parser) parseShowDiagLimit(st *Statement, head string) (*Statement, bool) {
	m := showDiagLimit.FindStringSubmatch(head)
	if m == nil {
		return nil, false
	}
	sel, err := p.parse("SELECT 1 " + m[2])
	if err != nil || len(sel) != 1 {
		return nil, false
	}
	s, ok := sel[0].(*ast.SelectStmt)
	if !ok || s.Limit == nil {
		return nil, false
	}
	sh := &ast.ShowStmt{Tp: ast.ShowWarnings, Limit: s.Limit}
	if strings.EqualFold(m[1], "ERRORS") {
		sh.Tp = ast.ShowErrors
	}
	classify(st, sh)
	return st, true
}
