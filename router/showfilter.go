package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// showFilter is a SHOW statement's LIKE pattern or WHERE condition as a
// condition of the SELECT that answers it ("" when it has neither): the
// pattern matches name, the column as the statement compares it (SHOW
// TABLE STATUS and SHOW OPEN TABLES compare names case-sensitively, SHOW
// FUNCTION STATUS in the column's collation).
func showFilter(like *ast.PatternLikeOrIlikeExpr, where ast.ExprNode, name string) (string, error) {
	switch {
	case like != nil:
		pattern, err := Restore(like.Pattern)
		if err != nil {
			return "", err
		}
		not := ""
		if like.Not {
			not = "NOT "
		}
		cond := name + " " + not + "LIKE " + pattern
		if like.Escape != '\\' {
			cond += " ESCAPE " + utf8mb3Literal(string(like.Escape))
		}
		return cond, nil
	case where != nil:
		return Restore(where)
	}
	return "", nil
}
