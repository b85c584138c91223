package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Where a non-grouped column stands.
const (
	ClauseSelect = "select"
	ClauseHaving = "having"
	ClauseOrder  = "order"
)

// NonGroupedError refuses a column that is neither grouped nor inside an
// aggregate in a statement merged over several shards (1235): its value
// would be any row's, and the shards' rows differ. Under ONLY_FULL_GROUP_BY
// MariaDB refuses such a statement itself, with its own error
// (OnlyFullGroupBy), which the session answers instead.
type NonGroupedError struct {
	Column  *ast.ColumnName
	Clause  string
	Grouped bool // the statement has a GROUP BY
	// qualified is the column as MariaDB names it in 1055, 'db.table.col'
	// ("" when the router could not tell its table).
	qualified string
	err       *mysql.MyError
}

func newNonGrouped(c *ast.ColumnName, clause string, grouped bool, text string) *NonGroupedError {
	return &NonGroupedError{Column: c, Clause: clause, Grouped: grouped, err: mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
		fmt.Sprintf("column %s is neither in GROUP BY nor inside an aggregate: over several shards its value would be arbitrary", text))}
}

func (e *NonGroupedError) Error() string { return e.err.Error() }
func (e *NonGroupedError) Unwrap() error { return e.err }

// OnlyFullGroupBy is MariaDB's error for the statement under
// ONLY_FULL_GROUP_BY (checked on 10.11), nil where MariaDB runs it (a
// non-grouped column in ORDER BY) or the column's table is unknown.
func (e *NonGroupedError) OnlyFullGroupBy() *mysql.MyError {
	switch {
	case e.Clause == ClauseHaving:
		return mysql.NewError(mysql.ER_BAD_FIELD_ERROR, fmt.Sprintf("Unknown column '%s' in 'HAVING'", columnText(e.Column)))
	case e.Clause != ClauseSelect:
		return nil
	case !e.Grouped:
		return mysql.NewError(mysql.ER_MIX_OF_GROUP_FUNC_AND_FIELDS, "Mixing of GROUP columns (MIN(),MAX(),COUNT(),...) with no GROUP columns is illegal if there is no GROUP BY clause")
	case e.qualified == "":
		return nil
	}
	return mysql.NewError(mysql.ER_WRONG_FIELD_WITH_GROUP, fmt.Sprintf("'%s' isn't in GROUP BY", e.qualified))
}

// columnText is a column reference as written.
func columnText(c *ast.ColumnName) string {
	parts := []string{c.Name.O}
	if c.Table.O != "" {
		parts = append([]string{c.Table.O}, parts...)
		if c.Schema.O != "" {
			parts = append([]string{c.Schema.O}, parts...)
		}
	}
	return strings.Join(parts, ".")
}

// qualify names the column as MariaDB does in 1055: the database, the
// table as the statement names it (its alias, or its name), the column as
// its definition spells it. from is the statement's one table, sel its
// SELECT.
func (r *Router) qualify(e *NonGroupedError, from []tableInfo, sel *ast.SelectStmt) {
	if len(from) != 1 || sel.From == nil {
		return
	}
	src, ok := sel.From.TableRefs.Left.(*ast.TableSource)
	if !ok || sel.From.TableRefs.Right != nil {
		return
	}
	name, ok := src.Source.(*ast.TableName)
	if !ok {
		return
	}
	table := name.Name.O
	if src.AsName.O != "" {
		table = src.AsName.O
	}
	if e.Column.Table.O != "" && !strings.EqualFold(e.Column.Table.O, table) {
		return
	}
	col := e.Column.Name.O
	if def := r.Catalog().Table(from[0].schema, from[0].name); def != nil {
		if i := def.ColumnIndex(col); i >= 0 {
			col = def.Columns[i].Name
		}
	}
	e.qualified = from[0].schema + "." + table + "." + col
}
