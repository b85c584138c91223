package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
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
// ORDER BY. Rows that tie then hold equal values.

// concatArgs are GROUP_CONCAT's arguments but literals, which add the
// same text to every value (its last argument is the separator).
func concatArgs(f *ast.AggregateFuncExpr) []ast.ExprNode {
	var out []ast.ExprNode
	for _, a := range f.Args[:len(f.Args)-1] {
		if _, lit := a.(*driver.ValueExpr); !lit {
			out = append(out, a)
		}
	}
	return out
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

// containsExpr tells whether list has an expression the same as e.
func containsExpr(list []ast.ExprNode, e ast.ExprNode) bool {
	for _, x := range list {
		if sameExpr(x, e) {
			return true
		}
	}
	return false
}

// concatAgg is the merge of a GROUP_CONCAT whose pieces are in shard
// column col, its arguments among the builder's distinct arguments (the
// shards group by them), the session's limit in column maxLenCol.
func (a *aggBuilder) concatAgg(f *ast.AggregateFuncExpr, name string, col, maxLenCol int) engine.Agg {
	keys, desc, _ := concatOrder(f) // checked when collected
	gc := &engine.GroupConcat{Desc: desc, MaxLenCol: maxLenCol}
	for _, k := range keys {
		gc.Keys = append(gc.Keys, len(a.groups)+a.distinctIndex(k))
	}
	if v, ok := f.Args[len(f.Args)-1].(*driver.ValueExpr); ok {
		gc.Sep = v.GetString()
	}
	return engine.Agg{Fn: engine.AggGroupConcat, Col: col, Name: name, Distinct: f.Distinct, Concat: gc}
}

// isConcat tells whether f is GROUP_CONCAT.
func isConcat(f *ast.AggregateFuncExpr) bool { return strings.EqualFold(f.F, ast.AggFuncGroupConcat) }
