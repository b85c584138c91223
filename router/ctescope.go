package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// cteScopes are the names of common table expressions visible where a
// tree walk is: a WITH's names hold inside the statement that owns it
// (its query, nested subqueries, and the later CTEs of the same WITH; a
// RECURSIVE one's own body too), never beside it: in `SELECT * FROM (WITH
// t AS (...) SELECT ... FROM t) d JOIN t` the second t is the table.
type cteScopes struct {
	frames []cteFrame
}

type cteFrame struct {
	owner ast.Node // the statement whose WITH made the frame
	names map[string]bool
}

// enter opens a frame for a statement with a WITH clause.
func (s *cteScopes) enter(n ast.Node) {
	switch x := n.(type) {
	case *ast.SelectStmt:
		s.open(n, x.With)
	case *ast.SetOprStmt:
		s.open(n, x.With)
	case *ast.SetOprSelectList:
		s.open(n, x.With)
	case *ast.UpdateStmt:
		s.open(n, x.With)
	case *ast.DeleteStmt:
		s.open(n, x.With)
	}
}

// leave adds a CTE's name after its body (inside its own body and earlier
// ones it names the table, unless the WITH is RECURSIVE), and closes the
// frame its owner opened.
func (s *cteScopes) leave(n ast.Node) {
	if x, ok := n.(*ast.CommonTableExpression); ok {
		if f := s.top(); f != nil {
			f.names[x.Name.L] = true
		}
		return
	}
	if f := s.top(); f != nil && f.owner == n {
		s.frames = s.frames[:len(s.frames)-1]
	}
}

func (s *cteScopes) open(owner ast.Node, w *ast.WithClause) {
	if w == nil {
		return
	}
	f := cteFrame{owner: owner, names: map[string]bool{}}
	if w.IsRecursive {
		// Every CTE of a WITH RECURSIVE names any of them, itself and
		// later ones included (mutual recursion).
		for _, cte := range w.CTEs {
			f.names[cte.Name.L] = true
		}
	}
	s.frames = append(s.frames, f)
}

func (s *cteScopes) top() *cteFrame {
	if len(s.frames) == 0 {
		return nil
	}
	return &s.frames[len(s.frames)-1]
}

// hides: an unqualified name is a CTE where the walk is.
func (s *cteScopes) hides(name string) bool {
	name = strings.ToLower(name)
	for _, f := range s.frames {
		if f.names[name] {
			return true
		}
	}
	return false
}
