package router

import (
	"errors"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/engine"
)

// Without ONLY_FULL_GROUP_BY MariaDB runs a select field that is neither
// grouped nor inside an aggregate (SELECT category, name, COUNT(*) ...
// GROUP BY category), and shows the value of the first row it read of the
// group: on a scan of the table, the row with the lowest primary key. Over
// one table with a one-column primary key the merge can show the same:
// each shard sends the field's value for its first row of each group
// (its own lowest key) beside MIN(key), and the merge keeps the value of
// the lowest key over all (engine.AggAny, carried with the Rep MIN). Under
// ONLY_FULL_GROUP_BY the session answers MariaDB's error instead
// (AggMerge.NonGrouped).

// carryFields lists the select fields without aggregates that the merge
// cannot compute from the groups (a column neither grouped nor
// aggregated, or a function of the groups it does not evaluate, such as
// UPPER(s)), when a representative key exists: MariaDB evaluates such a
// field on the group's first row, as the shard does. The first column
// among them that is not grouped is the statement's error under
// ONLY_FULL_GROUP_BY. Without repKey nothing is carried.
func (a *aggBuilder) carryFields(fields []*ast.SelectField, repKey string) *NonGroupedError {
	if repKey == "" || len(a.distinctArgs) > 0 {
		// With COUNT/SUM/AVG(DISTINCT) the shards group more finely,
		// through a temporary table whose columns lose the key flags one
		// server's plan keeps: such a statement is refused as before.
		return nil
	}
	var first *NonGroupedError
	a.clause = ClauseSelect
	for _, f := range fields {
		if hasAggregate(f.Expr) {
			continue
		}
		if _, err := a.expr(f.Expr); err == nil {
			continue
		}
		if first == nil {
			first = a.nonGroupedIn(f.Expr)
		}
		if !a.isCarried(f.Expr) {
			a.carried = append(a.carried, f.Expr)
		}
	}
	return first
}

// nonGroupedIn is the error of the first column of e that is neither
// grouped nor aggregated, or nil.
func (a *aggBuilder) nonGroupedIn(e ast.ExprNode) *NonGroupedError {
	c := &columnCollector{}
	e.Accept(c)
	for _, col := range c.cols {
		var ng *NonGroupedError
		if _, err := a.expr(col); errors.As(err, &ng) {
			return ng
		}
	}
	return nil
}

// columnCollector lists the column references of a subtree.
type columnCollector struct{ cols []*ast.ColumnNameExpr }

func (c *columnCollector) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*ast.ColumnNameExpr); ok {
		c.cols = append(c.cols, x)
	}
	return n, false
}

func (c *columnCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// isCarried tells whether e is a carried field.
func (a *aggBuilder) isCarried(e ast.ExprNode) bool { return a.carriedIndex(e) >= 0 }

func (a *aggBuilder) carriedIndex(e ast.ExprNode) int {
	for i, c := range a.carried {
		if sameExpr(c, e) {
			return i
		}
	}
	return -1
}

// carriedCol is the merged column of carried field e: after the groups,
// the aggregates and the string results (planAggregate's order).
func (a *aggBuilder) carriedCol(e ast.ExprNode) (engine.Expr, bool) {
	i := a.carriedIndex(e)
	if i < 0 {
		return nil, false
	}
	return engine.Col(len(a.groups) + len(a.aggs) + len(a.strResults) + i), true
}

// hasAggregate tells whether e uses an aggregate.
func hasAggregate(e ast.Node) bool { return anyNode(e, isAggregateCall) }

// isAggregateCall tells whether n is an aggregate function's call.
func isAggregateCall(n ast.Node) bool {
	_, ok := n.(*ast.AggregateFuncExpr)
	return ok
}

// NonGroupedIn is the merge's error under ONLY_FULL_GROUP_BY (nil when it
// carries no field, or for a nil merge).
func (a *AggMerge) NonGroupedIn() *NonGroupedError {
	if a == nil {
		return nil
	}
	return a.NonGrouped
}
