package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// anyNode tells whether n or a node under it matches; the walk stops at
// the first match.
func anyNode(n ast.Node, match func(ast.Node) bool) bool {
	f := &nodeFinder{match: match}
	n.Accept(f)
	return f.found
}

type nodeFinder struct {
	match func(ast.Node) bool
	found bool
}

func (f *nodeFinder) Enter(n ast.Node) (ast.Node, bool) {
	f.found = f.found || f.match(n)
	return n, f.found
}

func (f *nodeFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }
