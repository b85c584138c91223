package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// distinctBitOrder refuses a SELECT DISTINCT ordered by a BIT column of
// its select list: one MariaDB reads such a DISTINCT through a temporary
// table that holds the BIT as an integer, and sends it as an INT or a
// BIGINT of decimal digits, not the BIT's bytes (checked on 10.11:
// DISTINCT b ORDER BY b of a BIT(8) is an INT(8)), unless its plan drops
// the DISTINCT (a primary key in the list, one row read), which the
// merge cannot tell.
func (m *selectMerge) distinctBitOrder() error {
	sel := m.sel
	if !sel.Distinct || sel.OrderBy == nil || isAggregate(sel) || m.colType == nil {
		return nil
	}
	for _, item := range sel.OrderBy.Items {
		i := distinctOrderColumn(item.Expr, sel.Fields.Fields)
		if i < 0 {
			continue
		}
		c, ok := unparen(sel.Fields.Fields[i].Expr).(*ast.ColumnNameExpr)
		if !ok {
			continue
		}
		if typ, n := m.colType(c.Name); n == 1 && strings.HasPrefix(typ, "bit") {
			return errUnsupported("SELECT DISTINCT ordered by BIT column %s over several shards is not supported: one MariaDB sends it through its temporary table as an integer, or as the BIT where its plan drops the DISTINCT; select and order by %s + 0", textOf(c), textOf(c))
		}
	}
	return nil
}
