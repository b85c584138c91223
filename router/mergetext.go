package router

import (
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// mergeKey is an expression a merge compares, with what a message calls
// it (the clause's item as written, or the aggregate); or, for a
// comparison, its operands, whose text combines into the one collation
// it compares in.
type mergeKey struct {
	what     string
	expr     ast.ExprNode
	operands []ast.ExprNode
}

// text is exprText of what k compares. A comparison with a number among
// its operands (HAVING COUNT(*) > '1') compares numbers, not text
// (MariaDB's rule).
func (k mergeKey) text(s textScope) string {
	if k.operands == nil {
		return exprText(k.expr, s)
	}
	if slices.ContainsFunc(k.operands, isNumberOperand) {
		return ""
	}
	return listText(k.operands, s)
}

// isNumberOperand tells whether e is surely a number: a numeric literal,
// arithmetic, COUNT, SUM, AVG or a bit aggregate. (A column's type is not
// looked at: a numeric column compared with a literal is still checked.)
func isNumberOperand(e ast.ExprNode) bool {
	switch x := unparen(e).(type) {
	case *driver.ValueExpr:
		k := x.Kind()
		return k == driver.KindInt64 || k == driver.KindUint64 || k == driver.KindFloat32 || k == driver.KindFloat64 || k == driver.KindMysqlDecimal
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.Plus, opcode.Minus, opcode.Mul, opcode.Div, opcode.IntDiv, opcode.Mod:
			return true
		}
	case *ast.UnaryOperationExpr:
		return x.Op == opcode.Minus
	case *ast.AggregateFuncExpr:
		switch strings.ToLower(x.F) {
		case ast.AggFuncCount, ast.AggFuncSum, ast.AggFuncAvg, ast.AggFuncBitOr, ast.AggFuncBitAnd, ast.AggFuncBitXor:
			return true
		}
	}
	return false
}

// constant tells whether k has one value on every row: it orders or
// groups nothing, whatever the collation.
func (k mergeKey) constant() bool {
	if k.operands == nil {
		return constantExpr(k.expr)
	}
	return !slices.ContainsFunc(k.operands, func(e ast.ExprNode) bool { return !constantExpr(e) })
}

// errMergedText refuses a merge that compares text of an unmerged
// collation (collation.go).
func errMergedText(k mergeKey, coll string) error {
	return errUnsupported("%s compares text of %s, which a merge over several shards does not order as MariaDB does: merges over several shards support utf8mb4 and utf8mb3 general_ci and _bin collations; a WHERE on the shard key that picks one shard runs it",
		k.what, coll)
}

// textError is errMergedText for the first key of the merge that may be
// unmerged text, names resolved through s; nil when there is none. The
// first key of the connection's text is marked in the plan
// (Merge.ConnText): whether the merge compares it right depends on the
// session.
func (m *selectMerge) textError(s textScope, shardKey func(ast.ExprNode) bool) error {
	for _, k := range m.textKeys(s, shardKey) {
		switch t := k.text(s); {
		case unmerged(t):
			return errMergedText(k, t)
		case t == connText && m.merge.ConnText == "" && !k.constant():
			m.merge.ConnText = k.what
		}
	}
	return nil
}

// textKeys lists what the merge compares: its ORDER BY, GROUP BY and
// DISTINCT keys, and the arguments of the aggregates it merges. An ENUM
// or SET column is none, whatever its collation: its groups are its
// values, distinct under the collation, which the merge tells by their
// bytes, and it sorts by position (enumorder.go). shardKey,
// if set, tells the shard key column (Router.isShardKeyColumn).
func (m *selectMerge) textKeys(s textScope, shardKey func(ast.ExprNode) bool) []mergeKey {
	sel := m.sel
	keys := m.orderTextKeys()
	if sel.GroupBy != nil {
		for _, item := range sel.GroupBy.Items {
			if e, _, err := resolveGroupItem(item.Expr, sel.Fields.Fields, m.colType, m.isColumn); err == nil && !m.isEnum(e) {
				keys = append(keys, mergeKey{what: "GROUP BY " + textOf(item.Expr), expr: e})
			}
		}
	}
	if m.merge.Agg == nil && shardKey != nil {
		keys = sortedOnShard(keys, shardKey)
	}
	if sel.Distinct {
		for _, k := range distinctTextKeys(sel.Fields.Fields, s) {
			if !m.isEnum(k.expr) {
				keys = append(keys, k)
			}
		}
	}
	if m.merge.Agg != nil {
		keys = append(keys, aggTextKeys(sel)...)
		if m.merge.Agg.Having != nil {
			keys = append(keys, havingTextKeys(sel)...)
		}
	}
	return keys
}

// sortedOnShard cuts the sort keys of a merge sort without regrouping
// (planPlain: ORDER BY, then a GroupsOnShard GROUP BY list) after the
// first that is the shard key column: rows equal up to it come from one
// shard, which sorted them itself, so no later key decides an order
// across shards (ORDER BY user_id, title).
func sortedOnShard(keys []mergeKey, shardKey func(ast.ExprNode) bool) []mergeKey {
	for i, k := range keys {
		if shardKey(k.expr) {
			return keys[:i+1]
		}
	}
	return keys
}

// orderTextKeys are the ORDER BY keys, resolved as the merge resolves
// them; an ENUM or SET column sorts by its position (enumorder.go).
func (m *selectMerge) orderTextKeys() []mergeKey {
	sel := m.sel
	if sel.OrderBy == nil {
		return nil
	}
	_, hasWildcard, _ := fieldList(sel.Fields.Fields)
	var keys []mergeKey
	for _, item := range sel.OrderBy.Items {
		e, err := resolveOrderItem(item.Expr, sel.Fields.Fields, hasWildcard, m.colType)
		if err != nil || e == nil || m.isEnum(e) {
			continue
		}
		keys = append(keys, mergeKey{what: "ORDER BY " + textOf(item.Expr), expr: e})
	}
	return keys
}

// distinctTextKeys are DISTINCT's columns: every select item, and the
// columns of wildcards the catalog knows.
func distinctTextKeys(fields []*ast.SelectField, s textScope) []mergeKey {
	var keys []mergeKey
	for _, f := range fields {
		if f.WildCard == nil {
			keys = append(keys, mergeKey{what: "SELECT DISTINCT " + textOf(f.Expr), expr: f.Expr})
			continue
		}
		cols, _ := s.expand(f.WildCard)
		for _, c := range cols {
			keys = append(keys, mergeKey{what: "SELECT DISTINCT " + textOf(f) + " (column " + c.(*ast.ColumnNameExpr).Name.Name.O + ")", expr: c})
		}
	}
	return keys
}

// aggTextKeys are the arguments that the merged aggregates of the select
// list, HAVING and ORDER BY compare: MIN and MAX, DISTINCT aggregates,
// GROUP_CONCAT's ORDER BY (not those of subqueries, which the shards
// compute).
func aggTextKeys(sel *ast.SelectStmt) []mergeKey {
	v := &aggKeyFinder{}
	for _, f := range sel.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if sel.Having != nil {
		sel.Having.Accept(v)
	}
	if sel.OrderBy != nil {
		sel.OrderBy.Accept(v)
	}
	return v.keys
}

type aggKeyFinder struct{ keys []mergeKey }

func (v *aggKeyFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SubqueryExpr:
		return n, true
	case *ast.AggregateFuncExpr:
		v.keys = append(v.keys, aggregateTextKeys(x)...)
		return n, true
	}
	return n, false
}

func (v *aggKeyFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// aggregateTextKeys are what one merged aggregate compares.
func aggregateTextKeys(f *ast.AggregateFuncExpr) []mergeKey {
	var args []ast.ExprNode
	switch name := strings.ToLower(f.F); {
	case name == ast.AggFuncMin || name == ast.AggFuncMax || f.Distinct:
		args = f.Args
	}
	if f.Order != nil {
		for _, item := range f.Order.Items {
			args = append(args, item.Expr)
		}
	}
	keys := make([]mergeKey, len(args))
	for i, a := range args {
		keys[i] = mergeKey{what: textOf(f), expr: a}
	}
	return keys
}

// havingTextKeys are the comparisons in a HAVING that the merge computes
// (engine.Filter, with general_ci weights), over their operands: a
// carried column (HAVING l = 'a' beside GROUP BY n), an expression over
// one, a MIN, MAX or GROUP_CONCAT result. Those inside an aggregate or a
// subquery the shards compare. A name may mean a select item's alias or
// a column (MariaDB prefers the GROUP BY's column): both are operands.
func havingTextKeys(sel *ast.SelectStmt) []mergeKey {
	v := &havingKeyFinder{fields: sel.Fields.Fields}
	sel.Having.Expr.Accept(v)
	return v.keys
}

type havingKeyFinder struct {
	fields []*ast.SelectField
	keys   []mergeKey
}

func (v *havingKeyFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n.(type) {
	case *ast.SubqueryExpr, *ast.AggregateFuncExpr:
		return n, true
	}
	ops := comparedOperands(n)
	if len(ops) == 0 {
		return n, false
	}
	for _, e := range ops {
		if f := aliasedItem(e, v.fields); f != nil {
			ops = append(ops, f)
		}
	}
	v.keys = append(v.keys, mergeKey{what: "HAVING " + textOf(n.(ast.ExprNode)), operands: ops})
	return n, false
}

func (v *havingKeyFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// comparedOperands are the operands n compares as text where they are
// text: those of a comparison, IN, BETWEEN, LIKE, REGEXP, CASE x WHEN,
// and of the functions that compare their arguments.
func comparedOperands(n ast.Node) []ast.ExprNode {
	switch x := n.(type) {
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE, opcode.NullEQ:
			return []ast.ExprNode{x.L, x.R}
		}
	case *ast.PatternInExpr:
		return append([]ast.ExprNode{x.Expr}, x.List...)
	case *ast.BetweenExpr:
		return []ast.ExprNode{x.Expr, x.Left, x.Right}
	case *ast.PatternLikeOrIlikeExpr:
		return []ast.ExprNode{x.Expr, x.Pattern}
	case *ast.PatternRegexpExpr:
		return []ast.ExprNode{x.Expr, x.Pattern}
	case *ast.CaseExpr:
		if x.Value == nil {
			return nil
		}
		out := []ast.ExprNode{x.Value}
		for _, w := range x.WhenClauses {
			out = append(out, w.Expr)
		}
		return out
	case *ast.FuncCallExpr:
		switch x.FnName.L {
		case "strcmp", "field", "find_in_set", "locate", "instr", "position",
			"nullif", "greatest", "least":
			return slices.Clone(x.Args) // the caller appends
		}
	}
	return nil
}

// aliasedItem is the expression of the select item whose alias e, an
// unqualified name, is; nil for none.
func aliasedItem(e ast.ExprNode, fields []*ast.SelectField) ast.ExprNode {
	c, ok := unparen(e).(*ast.ColumnNameExpr)
	if !ok || c.Name.Table.O != "" {
		return nil
	}
	for _, f := range fields {
		if f.WildCard == nil && f.AsName.O != "" && f.AsName.L == c.Name.Name.L {
			return f.Expr
		}
	}
	return nil
}

// unionTextError is textError for a UNION over several shards: it
// compares the result columns its ORDER BY names (cols), and all of them
// under UNION DISTINCT; each SELECT's item in that place decides, and a
// column of the connection's text in every SELECT that gives text is
// the connection key it returns (Merge.ConnText).
func (r *Router) unionTextError(all []blockTables, cols []int, distinct bool) (string, error) {
	var conn []string // per column: its what while every SELECT's is connText
	unknown := false  // a SELECT's columns are not known: no connection key
	for b, bt := range all {
		s := tableScope{r, bt.from}
		exprs, ok := expandFields(bt.sel.Fields.Fields, s)
		if !ok {
			// A wildcard over a table the catalog does not know: the
			// other SELECTs are checked still.
			unknown = true
			continue
		}
		if b == 0 {
			conn = make([]string, len(exprs))
		}
		for i, e := range exprs {
			what := ""
			switch {
			case distinct:
				what = "UNION DISTINCT's column " + textOf(e)
			case slices.Contains(cols, i):
				what = "ORDER BY of a UNION, column " + textOf(e)
			default:
				continue
			}
			switch t := exprText(e, s); {
			case unmerged(t):
				return "", errMergedText(mergeKey{what: what}, t)
			case i >= len(conn):
			case t == mergedText:
				conn[i] = "-" // a column's collation decides the UNION's
			case t == connText && conn[i] == "": // a literal too: the other SELECTs' rows differ
				conn[i] = what
			}
		}
	}
	for _, w := range conn {
		if w != "" && w != "-" && !unknown {
			return w, nil
		}
	}
	return "", nil
}

// ConnTextError refuses the merge for a session whose collation_connection
// is collation, when the merge compares text of it (ConnText) and it is
// not a collation the merge compares as MariaDB does; "" (not known)
// passes.
func (m *Merge) ConnTextError(collation string) error {
	if m == nil || m.ConnText == "" || collation == "" || mergedCollation(strings.ToLower(collation)) {
		return nil
	}
	return errUnsupported("%s compares text of the session's collation_connection %s, which a merge over several shards does not order as MariaDB does: SET NAMES utf8mb4 (or SET NAMES utf8mb4 COLLATE utf8mb4_general_ci) runs it, or a WHERE on the shard key that picks one shard",
		m.ConnText, strings.ToLower(collation))
}
