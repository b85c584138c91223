package engine

import (
	"github.com/go-mysql-org/go-mysql/mysql"
)

// NullIf is NULLIF(a, b): NULL when a = b (MariaDB's comparison of the
// two), else a. MariaDB 10.11 describes it as a (type, length, scale,
// charset) with a function's flags, never NOT NULL (checked with
// --column-type-info for numbers, doubles and strings).
func NullIf(a, b Expr) Expr { return &nullIfExpr{a: a, b: b} }

type nullIfExpr struct{ a, b Expr }

func (n *nullIfExpr) String() string { return "nullif(" + n.a.String() + "," + n.b.String() + ")" }

func (n *nullIfExpr) bind(bd binder) (bound, error) {
	eq, err := Binary("=", n.a, n.b)
	if err != nil {
		return nil, err
	}
	cmp, err := bindExpr(eq, bd)
	if err != nil {
		return nil, err
	}
	a, err := bindExpr(n.a, bd)
	if err != nil {
		return nil, err
	}
	return &boundNullIf{a: a, eq: cmp, name: n.String()}, nil
}

// boundNullIf is a typed NULLIF.
type boundNullIf struct {
	a, eq bound
	name  string
}

func (n *boundNullIf) st() stype    { return n.a.st() }
func (n *boundNullIf) text() string { return n.name }
func (n *boundNullIf) prec() int    { return precHighest }

func (n *boundNullIf) eval(r Row) (value, error) {
	e, err := n.eq.eval(r)
	if err != nil {
		return value{}, err
	}
	if same, null := truth(e, n.eq.st()); same && !null {
		return nullValue(), nil
	}
	return n.a.eval(r)
}

func (n *boundNullIf) field(inCols []*mysql.Field, name string) *mysql.Field {
	if name == "" {
		name = n.name
	}
	f := identityField(n.a, inCols, name, false)
	f.Flag &^= mysql.NOT_NULL_FLAG
	return f
}
