package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/engine"
)

// GROUP_CONCAT over several shards. One MariaDB joins a group's values in
// the order of the function's ORDER BY, and among rows that tie in the
// order it read them, which its plan decides (a GROUP BY sorted through a
// filesort mixes them: checked on 10.11); without ORDER BY, in that read
// order, except under DISTINCT, whose values come sorted. The merge gives
// exactly one server's answer only where the order is the arguments' own:
// an ORDER BY of every argument and nothing else, or DISTINCT without
// ORDER BY. Rows that tie then hold equal values; where equal values are
// spelt apart ('kiwi' and 'Kiwi' under a case-insensitive collation) the
// merge finds it and refuses (engine.GroupConcat).

// concatArgs are GROUP_CONCAT's arguments but constants, which add the
// same text to every value (its last argument is the separator).
func concatArgs(f *ast.AggregateFuncExpr) []ast.ExprNode {
	var out []ast.ExprNode
	for _, a := range f.Args[:len(f.Args)-1] {
		if !isConstant(a) {
			out = append(out, a)
		}
	}
	return out
}

// isConstant: a literal, signed or in parentheses (GROUP BY -1 would
// name a position).
func isConstant(e ast.ExprNode) bool {
	switch x := unparen(e).(type) {
	case *driver.ValueExpr:
		return true
	case *ast.UnaryOperationExpr:
		return (x.Op == opcode.Minus || x.Op == opcode.Plus) && isConstant(x.V)
	}
	return false
}

// concatOrder is the order of a mergeable GROUP_CONCAT: its arguments as
// it sorts by them; an error says why another form is not merged.
func concatOrder(f *ast.AggregateFuncExpr) ([]ast.ExprNode, []bool, error) {
	args := concatArgs(f)
	if f.Order == nil {
		if !f.Distinct {
			return nil, nil, errUnsupported("GROUP_CONCAT over several shards without ORDER BY is not supported: one MariaDB joins the values in the order its plan reads them; order them by the arguments (GROUP_CONCAT(x ORDER BY x)), or use DISTINCT")
		}
		return args, make([]bool, len(args)), nil
	}
	var keys []ast.ExprNode
	var desc []bool
	for _, item := range f.Order.Items {
		if !containsExpr(args, item.Expr) {
			return nil, nil, errUnsupported("GROUP_CONCAT over several shards ordered by %s is not supported: rows that tie would come in the order one MariaDB's plan reads them; order by the arguments alone (GROUP_CONCAT(x ORDER BY x))", textOf(item.Expr))
		}
		keys, desc = append(keys, item.Expr), append(desc, item.Desc)
	}
	for _, a := range args {
		if !containsExpr(keys, a) {
			return nil, nil, errUnsupported("GROUP_CONCAT over several shards whose ORDER BY leaves out argument %s is not supported: rows that tie would come in the order one MariaDB's plan reads them; order by every argument", textOf(a))
		}
	}
	return keys, desc, nil
}

// concatPlaces refuses a GROUP_CONCAT merged anywhere but as an item of
// the select list: one MariaDB converts it in expressions with warnings
// the merge does not give, and describes it as a BLOB when the statement
// sorts its groups by an aggregate or is DISTINCT (a temporary table).
func concatPlaces(sel *ast.SelectStmt) error {
	concat := func(n ast.Node) bool {
		f, ok := n.(*ast.AggregateFuncExpr)
		return ok && strings.EqualFold(f.F, ast.AggFuncGroupConcat)
	}
	found := false
	for _, f := range sel.Fields.Fields {
		if f.Expr == nil {
			continue
		}
		if concat(f.Expr) {
			found = true
			for _, a := range f.Expr.(*ast.AggregateFuncExpr).Args {
				if anyNode(a, concat) {
					return errConcatPlace()
				}
			}
		} else if anyNode(f.Expr, concat) {
			return errConcatPlace()
		}
	}
	if sel.Having != nil && anyNode(sel.Having.Expr, concat) {
		return errConcatPlace()
	}
	if !found {
		return nil
	}
	if sel.Distinct {
		return errConcatPlace()
	}
	if sel.OrderBy != nil && !ordersAsGroups(sel) {
		return errConcatPlace()
	}
	return nil
}

// ordersAsGroups: the ORDER BY is the GROUP BY list (either way), which
// MariaDB's groups come in without another sort (after which it describes
// GROUP_CONCAT as a longer BLOB, and COUNT without BINARY).
func ordersAsGroups(sel *ast.SelectStmt) bool {
	if sel.GroupBy == nil || len(sel.OrderBy.Items) != len(sel.GroupBy.Items) {
		return false
	}
	for i, item := range sel.OrderBy.Items {
		o, err1 := resolveByItem(item.Expr, sel.Fields.Fields, false)
		g, err2 := resolveByItem(sel.GroupBy.Items[i].Expr, sel.Fields.Fields, false)
		if err1 != nil || err2 != nil || !sameExpr(o, g) {
			return false
		}
	}
	return true
}

func errConcatPlace() error {
	return errUnsupported("GROUP_CONCAT over several shards runs only as an item of the select list, in a SELECT without DISTINCT whose ORDER BY, if any, is its GROUP BY list (MariaDB describes the column otherwise after another sort)")
}

// concatColumns appends to the shards' select list what the merge of a
// GROUP_CONCAT reads (engine.GroupConcat): the function (its piece), the
// function followed by its separator, both their lengths, and for each
// argument whether the piece's rows spell it alike, and its collation.
func (a *aggBuilder) concatColumns(f *ast.AggregateFuncExpr, name string, cols []string, maxLenCol int) ([]string, engine.Agg, error) {
	txt, err := restore(f)
	if err != nil {
		return nil, engine.Agg{}, err
	}
	sep, err := restore(f.Args[len(f.Args)-1])
	if err != nil {
		return nil, engine.Agg{}, err
	}
	keys, desc, _ := concatOrder(f) // checked when collected
	gc := &engine.GroupConcat{Desc: desc, MaxLenCol: maxLenCol}
	for _, k := range keys {
		gc.Keys = append(gc.Keys, len(a.groups)+a.distinctIndex(k))
		arg, err := restore(k)
		if err != nil {
			return nil, engine.Agg{}, err
		}
		gc.SameCols = append(gc.SameCols, len(cols))
		gc.CollationCols = append(gc.CollationCols, len(cols)+1)
		cols = append(cols, "MIN(CAST("+arg+" AS BINARY)) <=> MAX(CAST("+arg+" AS BINARY))", "MIN(COLLATION("+arg+"))")
	}
	withSep := "CONCAT(" + txt + ", " + sep + ")"
	gc.WithSepCol, gc.LenCol, gc.WithSepLenCol = len(cols)+1, len(cols)+2, len(cols)+3
	g := engine.Agg{Fn: engine.AggGroupConcat, Col: len(cols), Name: name, Distinct: f.Distinct, Concat: gc}
	cols = append(cols, txt, withSep, "LENGTH("+txt+")", "LENGTH("+withSep+")")
	return cols, g, nil
}

// containsExpr tells whether list has an expression the same as e.
func containsExpr(list []ast.ExprNode, e ast.ExprNode) bool {
	for _, x := range list {
		if sameExpr(x, e) {
			return true
		}
	}
	return false
}

// concatEnums refuses a GROUP_CONCAT over several shards whose argument is
// an ENUM or SET column, which one MariaDB orders by the positions of the
// values in the definition, or a column the catalog does not know.
func (r *Router) concatEnums(from []tableInfo, sel *ast.SelectStmt) error {
	var err error
	anyNode(sel, func(n ast.Node) bool {
		f, ok := n.(*ast.AggregateFuncExpr)
		if !ok || !strings.EqualFold(f.F, ast.AggFuncGroupConcat) {
			return false
		}
		for _, a := range concatArgs(f) {
			c, ok := unparen(a).(*ast.ColumnNameExpr)
			if !ok {
				continue // an expression over an ENUM is a string
			}
			typ, known := r.columnType(from, c.Name)
			if !known || isEnumType(typ) {
				err = errUnsupported("GROUP_CONCAT over several shards of %s is not supported: one MariaDB orders ENUM and SET values by their positions in the definition; restrict the shard key to one shard", textOf(c))
				return true
			}
		}
		return false
	})
	return err
}
