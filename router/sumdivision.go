package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// MariaDB keeps a DECIMAL quotient to nine digits past the point whatever
// it displays (v / 3 shows 0.3333, holds 0.333333333), and SUM and AVG add
// what it holds: SUM(v / 3) of 1, 2, 4 is 2.333333332, AVG 0.77777778. A
// shard's partial sum arrives as displayed, so the merge would add
// rounded values (AVG 0.77780000): such a SUM or AVG is refused over
// several shards. ROUND and TRUNCATE make the quotient what they show; a
// division by 2^a * 5^b (a, b <= 4: 2, 4, 10, 100, 10000) ends within the
// four decimals div_precision_increment adds; FLOAT and DOUBLE arithmetic
// (realColumn) has no hidden digits.

// checkSumArg refuses a SUM or AVG of an unrounded DECIMAL division.
func (m *selectMerge) checkSumArg(f *ast.AggregateFuncExpr) error {
	if len(f.Args) != 1 || !unroundedDivision(f.Args[0]) || m.realColumn(f.Args[0]) {
		return nil
	}
	return errUnsupported("%s over several shards is not supported: a DECIMAL division keeps more digits than the shards' partial sums show; ROUND the division to the decimals wanted (ROUND(x / 3, 4)), or restrict the shard key to one shard", textOf(f))
}

// unroundedDivision tells whether e divides with / outside ROUND and
// TRUNCATE.
func unroundedDivision(e ast.ExprNode) bool {
	v := &divisionFinder{}
	e.Accept(v)
	return v.found
}

type divisionFinder struct{ found bool }

func (v *divisionFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		if x.FnName.L == "round" || x.FnName.L == "truncate" {
			return n, true
		}
	case *ast.BinaryOperationExpr:
		v.found = v.found || x.Op == opcode.Div && !exactDivisor(x.R)
	}
	return n, v.found
}

func (v *divisionFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// exactDivisor tells whether e is an integer literal 2^a * 5^b with a and
// b at most 4: its quotients end within four more decimals.
func exactDivisor(e ast.ExprNode) bool {
	v, ok := e.(*driver.ValueExpr)
	if !ok {
		return false
	}
	var n uint64
	switch x := v.GetValue().(type) {
	case int64:
		if x <= 0 {
			return false
		}
		n = uint64(x)
	case uint64:
		n = x
	default:
		return false
	}
	for _, p := range []uint64{2, 5} {
		for i := 0; i < 4 && n%p == 0; i++ {
			n /= p
		}
	}
	return n == 1
}
