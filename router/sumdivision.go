package router

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// MariaDB keeps a DECIMAL quotient to nine digits past the point whatever
// it displays (v / 3 shows 0.3333, holds 0.333333333), and SUM and AVG add
// what it holds: SUM(v / 3) of 1, 2, 4 is 2.333333332, AVG 0.77777778. A
// shard's partial sum arrives as displayed, so the merge would add
// rounded values (AVG 0.77780000): such a SUM or AVG is refused over
// several shards. ROUND, TRUNCATE and CAST make the quotient what they
// show; a division by 2^a * 5^b (2, 4, 100, 2.5) ends within the four
// decimals div_precision_increment adds; a comparison of a quotient is an
// integer; FLOAT and DOUBLE arithmetic (realColumn) has no hidden digits.

// checkSumArg refuses a SUM or AVG of an unrounded DECIMAL division.
func (m *selectMerge) checkSumArg(f *ast.AggregateFuncExpr) error {
	if len(f.Args) != 1 || !unroundedDivision(f.Args[0]) || m.realColumn(f.Args[0]) {
		return nil
	}
	return errUnsupported("%s over several shards is not supported: a DECIMAL division keeps more digits than the shards' partial sums show; ROUND the division to the decimals wanted (ROUND(x / 3, 4)), or restrict the shard key to one shard", textOf(f))
}

// unroundedDivision tells whether a / whose quotient may not end within
// four more decimals flows into e's value: not through a comparison or a
// condition (IF(v / 3 > 1, 1, 0) sums integers), DIV, ROUND, TRUNCATE,
// FLOOR, CEIL or CAST, which leave no hidden digits.
func unroundedDivision(e ast.ExprNode) bool {
	switch x := e.(type) {
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.Div:
			return !exactDivisor(x.R) || unroundedDivision(x.L)
		case opcode.Plus, opcode.Minus, opcode.Mul, opcode.Mod:
			return unroundedDivision(x.L) || unroundedDivision(x.R)
		}
		return false
	case *ast.UnaryOperationExpr:
		return unroundedDivision(x.V)
	case *ast.ParenthesesExpr:
		return unroundedDivision(x.Expr)
	case *ast.CaseExpr:
		for _, w := range x.WhenClauses {
			if unroundedDivision(w.Result) {
				return true
			}
		}
		return x.ElseClause != nil && unroundedDivision(x.ElseClause)
	case *ast.FuncCallExpr:
		args := x.Args
		switch x.FnName.L {
		case "round", "truncate", "floor", "ceil", "ceiling":
			return false
		case "if":
			args = args[min(1, len(args)):]
		}
		return slices.ContainsFunc(args, unroundedDivision)
	}
	return false // CAST, columns, literals
}

// exactDivisor tells whether e is a literal whose quotients end within
// four more decimals: ±m / 10^c with m = 2^a * 5^b and a, b <= 4 + c
// (2, 100, 2.5, -0.25; not 3 or 0.3).
func exactDivisor(e ast.ExprNode) bool {
	if u, ok := e.(*ast.UnaryOperationExpr); ok && u.Op == opcode.Minus {
		e = u.V
	}
	v, ok := e.(*driver.ValueExpr)
	if !ok {
		return false
	}
	var m uint64
	c := 0
	switch x := v.GetValue().(type) {
	case int64:
		if x <= 0 {
			return false
		}
		m = uint64(x)
	case uint64:
		m = x
	case *driver.MyDecimal:
		ip, fp, _ := strings.Cut(strings.TrimPrefix(x.String(), "-"), ".")
		n, err := strconv.ParseUint(strings.TrimLeft(ip+fp, "0"), 10, 64)
		if err != nil || n == 0 {
			return false
		}
		m, c = n, len(fp)
	default:
		return false
	}
	for _, p := range []uint64{2, 5} {
		for i := 0; i < 4+c && m%p == 0; i++ {
			m /= p
		}
	}
	return m == 1
}
