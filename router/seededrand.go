package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// RAND(N) with a seed gives a statement's rows the values of one sequence,
// in the order the server reads them. Over several shards each shard would
// start the sequence again, and the rows would repeat each other's values
// where one MariaDB gives them all different ones: such a statement is
// refused there (proxy/execute.go). RAND() without a seed is random on one
// server too.

// SeedsRand tells whether st calls RAND with a seed.
func SeedsRand(st *Statement) bool {
	if st == nil {
		return false
	}
	if st.checked {
		return st.seededRand
	}
	return seedsRand(st)
}

func seedsRand(st *Statement) bool {
	if st.Node == nil {
		return false
	}
	f := &randFinder{}
	st.Node.Accept(f)
	return f.found
}

type randFinder struct{ found bool }

func (f *randFinder) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*ast.FuncCallExpr); ok && x.FnName.L == "rand" && len(x.Args) > 0 {
		f.found = true
	}
	return n, f.found
}

func (f *randFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }
