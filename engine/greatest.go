package engine

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Greatest is GREATEST(args...), or LEAST(args...) with least, over
// integers and DECIMALs (aggregates, arithmetic over them, number
// literals). MariaDB 10.11 types it as a CASE's results (numericResult:
// GREATEST(MAX(v), 1.5) is DECIMAL(12,1), LEAST(COUNT(*), 5) a NOT NULL
// BIGINT), and it is NULL when any argument is. Other arguments (strings,
// doubles, signed with unsigned integers, a NULL literal, with which
// MariaDB types it a DOUBLE) are refused when bound.
func Greatest(least bool, args []Expr) Expr { return &greatestExpr{least: least, args: args} }

type greatestExpr struct {
	least bool
	args  []Expr
}

func (g *greatestExpr) fn() string {
	if g.least {
		return "least"
	}
	return "greatest"
}

func (g *greatestExpr) String() string {
	parts := make([]string, len(g.args))
	for i, a := range g.args {
		parts[i] = a.String()
	}
	return g.fn() + "(" + strings.Join(parts, ",") + ")"
}

func (g *greatestExpr) bind(bd binder) (bound, error) {
	out := &boundGreatest{least: g.least, name: g.String()}
	for _, a := range g.args {
		b, err := bindExpr(a, bd)
		if err != nil {
			return nil, err
		}
		out.args = append(out.args, b)
	}
	t, o, ok := numericResult(out.args, bd.cols)
	for _, a := range out.args {
		// With a NULL literal MariaDB types it a DOUBLE (not followed).
		ok = ok && a.st().cls != tNull
	}
	if !ok || len(out.args) < 2 {
		return nil, mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf("%s over several shards is supported for integers and DECIMALs (aggregates, arithmetic over them, number literals); not %s", strings.ToUpper(g.fn()), g.String()))
	}
	out.t, out.numOut = t, o
	return out, nil
}

// boundGreatest is a typed GREATEST or LEAST.
type boundGreatest struct {
	least bool
	args  []bound
	t     stype
	numOut
	name string
}

func (g *boundGreatest) st() stype    { return g.t }
func (g *boundGreatest) text() string { return g.name }
func (g *boundGreatest) prec() int    { return precHighest }

func (g *boundGreatest) eval(r Row) (value, error) {
	var best value
	for i, a := range g.args {
		v, err := a.eval(r)
		if err != nil {
			return value{}, err
		}
		if v.k == vNull {
			return nullValue(), nil
		}
		if c := decCmp(toDec(v), toDec(best)); i == 0 || (g.least && c < 0) || (!g.least && c > 0) {
			best = v
		}
	}
	if g.t.cls == tDec {
		return decValue(toDec(best)), nil
	}
	return best, nil
}

func (g *boundGreatest) field(name string) *mysql.Field {
	if name == "" {
		name = g.name
	}
	return g.numOut.field(name)
}
