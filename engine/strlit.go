package engine

import (
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// StrLit is a string literal the shards computed as input column col
// (the merge carries it as an aggregate all of whose values are equal):
// its value and column definition are what MariaDB gives the literal in
// the session's character sets, which the merge does not know. A CASE or
// IF whose results are such literals (or NULL) is typed from them
// (stringResult).
func StrLit(col int) Expr { return &strLitExpr{col: col} }

type strLitExpr struct{ col int }

func (s *strLitExpr) String() string { return fmt.Sprintf("literal%d", s.col) }

func (s *strLitExpr) bind(bd binder) (bound, error) {
	b, err := (&colExpr{i: s.col}).bind(bd)
	if err != nil {
		return nil, err
	}
	c := b.(*boundCol)
	if c.t.cls != tStr {
		return nil, fmt.Errorf("engine: string literal column %d is not a string", s.col)
	}
	return &boundStrLit{boundCol: c, f: bd.cols[s.col]}, nil
}

// boundStrLit is a bound StrLit: the column, with its definition.
type boundStrLit struct {
	*boundCol
	f *mysql.Field
}

// stringResult types the results of a CASE or IF that are string
// literals the shards computed (or NULL) as MariaDB 10.11 does: a VARCHAR
// as long as the longest, in their character set, with 39 decimals; NOT
// NULL when none is NULL (checked with a go-mysql client: IF(COUNT(*) >
// 2, 'many', 'few') is VARCHAR(16) utf8mb4 NOT NULL, without ELSE a CASE
// is nullable). ok is false for any other result, for literals in several
// character sets, and for only NULLs.
func stringResult(values []bound) (*mysql.Field, bool) {
	var out *mysql.Field
	for _, r := range values {
		if r.st().cls == tNull {
			continue
		}
		for n, named := r.(*boundNamed); named; n, named = r.(*boundNamed) {
			r = n.bound
		}
		l, ok := r.(*boundStrLit)
		if !ok || l.f == nil {
			return nil, false
		}
		if out == nil {
			out = &mysql.Field{Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: l.f.Charset, Decimal: 39,
				Flag: l.f.Flag & mysql.BINARY_FLAG}
		}
		if l.f.Charset != out.Charset {
			return nil, false
		}
		out.ColumnLength = max(out.ColumnLength, l.f.ColumnLength)
	}
	return out, out != nil
}

// asStrLit unwraps b to a StrLit, if it is one.
func asStrLit(b bound) (*boundStrLit, bool) {
	for n, named := b.(*boundNamed); named; n, named = b.(*boundNamed) {
		b = n.bound
	}
	l, ok := b.(*boundStrLit)
	return l, ok
}
