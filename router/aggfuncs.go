package router

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/engine"
)

// The functions over aggregates a merge computes (aggBuilder.expr): each
// maps to an engine expression that types its result as MariaDB does, or
// refuses it when bound.

// funcExpr reads a function call over the aggregates; ok is false for a
// function the merge does not compute.
func (a *aggBuilder) funcExpr(x *ast.FuncCallExpr) (engine.Expr, bool, error) {
	if x.Schema.L != "" {
		return nil, false, nil // db.abs(...) is a stored function
	}
	if f, ok, err := a.ifNull(x); ok || err != nil {
		return f, ok, err
	}
	if r, ok, err := a.round(x); ok || err != nil {
		return r, ok, err
	}
	n := len(x.Args)
	switch {
	case x.FnName.L == "if" && n == 3:
		f, err := a.caseOf("IF", []ast.ExprNode{x.Args[0]}, []ast.ExprNode{x.Args[1]}, x.Args[2])
		return f, true, err
	case x.FnName.L == "nullif" && n == 2:
		args, err := a.exprs(x.Args)
		if err != nil {
			return nil, true, err
		}
		return engine.NullIf(args[0], args[1]), true, nil
	case x.FnName.L == "mod" && n == 2:
		// MOD(a, b) is a % b (one Item_func_mod).
		args, err := a.exprs(x.Args)
		if err != nil {
			return nil, true, err
		}
		f, err := engine.Binary("%", args[0], args[1])
		return f, true, err
	case (x.FnName.L == "greatest" || x.FnName.L == "least") && n >= 2:
		args, err := a.exprs(x.Args)
		if err != nil {
			return nil, true, err
		}
		return engine.Greatest(x.FnName.L == "least", args), true, nil
	case (x.FnName.L == "abs" || x.FnName.L == "floor" || x.FnName.L == "ceil" || x.FnName.L == "ceiling") && n == 1:
		args, err := a.exprs(x.Args)
		if err != nil {
			return nil, true, err
		}
		return engine.NumFunc(x.FnName.L, args[0]), true, nil
	}
	return nil, false, nil
}

// exprs reads each argument over the aggregates.
func (a *aggBuilder) exprs(args []ast.ExprNode) ([]engine.Expr, error) {
	out := make([]engine.Expr, len(args))
	for i, arg := range args {
		v, err := a.expr(arg)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// ifNull reads IFNULL or COALESCE of an aggregate and a literal: the
// engine checks at bind that the literal fits the aggregate's type
// (engine.IfNull).
func (a *aggBuilder) ifNull(x *ast.FuncCallExpr) (engine.Expr, bool, error) {
	if (x.FnName.L != "ifnull" && x.FnName.L != "coalesce") || len(x.Args) != 2 {
		return nil, false, nil
	}
	agg, isAgg := x.Args[0].(*ast.AggregateFuncExpr)
	if !isAgg {
		return nil, false, nil
	}
	lit, isLit := numberLiteral(x.Args[1])
	minMax := agg.F == ast.AggFuncMax || agg.F == ast.AggFuncMin
	if v, isStr := x.Args[1].(*driver.ValueExpr); isStr && v.Kind() == driver.KindString && minMax {
		lit, isLit = engine.Lit(v.GetString(), engine.LitString), true
	}
	if !isLit || !minMax && agg.F != ast.AggFuncSum && agg.F != ast.AggFuncAvg {
		return nil, false, nil
	}
	v, err := a.expr(agg)
	if err != nil {
		return nil, true, err
	}
	return engine.IfNull(x.FnName.O, v, lit), true, nil
}

// caseOf reads a searched CASE or an IF over the aggregates; els may be
// nil (no ELSE).
func (a *aggBuilder) caseOf(fn string, conds, results []ast.ExprNode, els ast.ExprNode) (engine.Expr, error) {
	whens := make([]engine.When, len(conds))
	for i := range conds {
		c, err := a.expr(conds[i])
		if err != nil {
			return nil, err
		}
		r, err := a.result(results[i])
		if err != nil {
			return nil, err
		}
		whens[i] = engine.When{Cond: c, Result: r}
	}
	var e engine.Expr
	if els != nil {
		var err error
		if e, err = a.result(els); err != nil {
			return nil, err
		}
	}
	return engine.Case(fn, whens, e), nil
}

// result reads a result of an IF or a CASE: a string literal is the
// column the shards computed for it.
func (a *aggBuilder) result(e ast.ExprNode) (engine.Expr, error) {
	if lit, ok := plainString(e); ok {
		if i := slices.Index(a.strResults, lit); i >= 0 {
			return engine.Named(engine.StrLit(len(a.groups)+len(a.aggs)+i), lit), nil
		}
	}
	return a.expr(e)
}

// round reads ROUND(x[, n]) and TRUNCATE(x, n), x over the aggregates and
// n a non-negative integer literal; the engine checks at bind that it can
// type the result as MariaDB does (engine.Round). ok is false for other
// calls.
func (a *aggBuilder) round(x *ast.FuncCallExpr) (engine.Expr, bool, error) {
	truncate := x.FnName.L == "truncate"
	switch {
	case x.FnName.L == "round" && (len(x.Args) == 1 || len(x.Args) == 2):
	case truncate && len(x.Args) == 2:
	default:
		return nil, false, nil
	}
	n := int64(0)
	if len(x.Args) == 2 {
		lit, isLit := x.Args[1].(*driver.ValueExpr)
		if !isLit {
			return nil, false, nil
		}
		i, isInt := lit.GetValue().(int64)
		if !isInt || i < 0 || i > 38 {
			return nil, false, nil
		}
		n = i
	}
	v, err := a.expr(x.Args[0])
	if err != nil {
		return nil, true, err
	}
	return engine.Round(v, int(n), truncate), true, nil
}

// numberLiteral reads an integer or decimal literal, or one with a minus
// sign (the parser reads -1 as the negation of 1).
func numberLiteral(e ast.ExprNode) (engine.Expr, bool) {
	sign := ""
	if u, isNeg := e.(*ast.UnaryOperationExpr); isNeg && u.Op == opcode.Minus {
		sign, e = "-", u.V
	}
	v, isLit := e.(*driver.ValueExpr)
	if !isLit {
		return nil, false
	}
	switch x := v.GetValue().(type) {
	case int64:
		if x < 0 && sign != "" {
			return nil, false
		}
		return engine.Lit(sign+strconv.FormatInt(x, 10), engine.LitInt), true
	case uint64:
		return engine.Lit(sign+strconv.FormatUint(x, 10), engine.LitInt), true
	case *driver.MyDecimal:
		if sign != "" && strings.HasPrefix(x.String(), "-") {
			return nil, false
		}
		return engine.Lit(sign+x.String(), engine.LitDecimal), true
	}
	return nil, false
}
