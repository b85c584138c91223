package engine

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// When is one WHEN cond THEN result of a searched CASE.
type When struct{ Cond, Result Expr }

// Case is CASE WHEN c1 THEN r1 ... [ELSE e] END (els nil: no ELSE), and
// IF(c, a, b) as one WHEN and an ELSE (fn names the form, for messages).
// The results must be integers or DECIMALs (aggregates, arithmetic over
// them, number literals) or NULL: MariaDB 10.11 types the result as
// Type_std_attributes::count_decimal_length does (the largest integer
// part plus the largest scale; UNSIGNED when every result is), an integer
// of the largest integer type among the results (a literal is an INT up
// to 9 characters; signed and unsigned ones together are refused), a
// DECIMAL if any result is one; NOT NULL when every
// condition and result is (checked with --column-type-info). Other
// results (strings, whose type depends on the connection's character
// set, doubles, temporals) are refused when bound.
func Case(fn string, whens []When, els Expr) Expr {
	return &caseExpr{fn: fn, whens: whens, els: els}
}

type caseExpr struct {
	fn    string
	whens []When
	els   Expr
}

func (c *caseExpr) String() string {
	var b strings.Builder
	b.WriteString("case")
	for _, w := range c.whens {
		fmt.Fprintf(&b, " when %s then %s", w.Cond.String(), w.Result.String())
	}
	if c.els != nil {
		fmt.Fprintf(&b, " else %s", c.els.String())
	}
	b.WriteString(" end")
	return b.String()
}

func (c *caseExpr) unsupported() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf("%s over several shards is supported with integer or DECIMAL results (aggregates, arithmetic over them, number literals, NULL), or with string literals and NULL as its only results; not %s", strings.ToUpper(c.fn), c.String()))
}

// intRank orders the integer types as MariaDB's type aggregation widens
// them.
var intRank = map[byte]int{mysql.MYSQL_TYPE_TINY: 1, mysql.MYSQL_TYPE_SHORT: 2, mysql.MYSQL_TYPE_INT24: 3, mysql.MYSQL_TYPE_LONG: 4, mysql.MYSQL_TYPE_LONGLONG: 5}

func (c *caseExpr) bind(bd binder) (bound, error) {
	out := &boundCase{name: c.String()}
	out.notNull = c.els != nil
	for _, w := range c.whens {
		cond, err := bindExpr(w.Cond, bd)
		if err != nil {
			return nil, err
		}
		if ct := cond.st(); ct.cls != tInt && ct.cls != tDec && ct.cls != tDouble {
			return nil, c.unsupported()
		}
		res, err := bindExpr(w.Result, bd)
		if err != nil {
			return nil, err
		}
		out.conds = append(out.conds, cond)
		out.results = append(out.results, res)
		if a := attrsOf(cond, bd.cols); !a.ok || !a.notNull {
			out.notNull = false
		}
	}
	results := out.results
	if c.els != nil {
		e, err := bindExpr(c.els, bd)
		if err != nil {
			return nil, err
		}
		out.els = e
		results = append(results, e)
	}
	if str, ok := stringResult(results); ok {
		out.str, out.t = str, colType(str)
		for _, r := range results {
			out.notNull = out.notNull && r.st().cls != tNull
		}
		if out.notNull {
			str.Flag |= mysql.NOT_NULL_FLAG
		}
		return out, nil
	}
	t, o, ok := numericResult(results, bd.cols)
	if !ok {
		return nil, c.unsupported()
	}
	out.t, out.typ, out.length, out.scale, out.unsigned = t, o.typ, o.length, o.scale, o.unsigned
	out.notNull = out.notNull && o.notNull
	return out, nil
}

// numericResult types the values one function may return (the results of
// a CASE, the arguments of GREATEST) as MariaDB 10.11 aggregates them:
// count_decimal_length (the largest integer part plus the largest scale;
// UNSIGNED when every value is), the widest integer type among integers
// (a literal an INT up to 9 characters), a DECIMAL if any value is one;
// NOT NULL when every value is (a NULL literal is not). ok is false for
// other values (strings, doubles, temporals), signed with unsigned
// integers (which MariaDB widens to DECIMAL), or only NULLs.
func numericResult(values []bound, cols []*mysql.Field) (stype, numOut, bool) {
	intPart, scale, unsigned, isDec, typ := 0, 0, true, false, byte(0)
	signedInt, unsignedInt := false, false
	notNull := true
	for _, r := range values {
		t := r.st()
		if t.cls == tNull {
			notNull = false
			continue
		}
		a := attrsOf(r, cols)
		if !a.ok || (t.cls != tInt && t.cls != tDec) {
			return stype{}, numOut{}, false
		}
		notNull = notNull && a.notNull
		intPart, scale = max(intPart, a.prec-a.scale), max(scale, a.scale)
		unsigned = unsigned && a.unsigned
		if t.cls == tDec {
			isDec = true
			continue
		}
		if a.unsigned {
			unsignedInt = true
		} else {
			signedInt = true
		}
		rt := resultType(r, cols, a)
		if intRank[rt] == 0 {
			return stype{}, numOut{}, false
		}
		if intRank[rt] > intRank[typ] {
			typ = rt
		}
	}
	if typ == 0 && !isDec || signedInt && unsignedInt {
		return stype{}, numOut{}, false
	}
	p := min(intPart+scale, maxDecimalPrecision)
	o := numOut{typ: typ, length: uint32(lengthOf(p, scale, unsigned)), scale: scale, unsigned: unsigned, notNull: notNull}
	if isDec {
		o.typ = mysql.MYSQL_TYPE_NEWDECIMAL
		return stype{cls: tDec, scale: scale, unsigned: unsigned}, o, true
	}
	return stype{cls: tInt, unsigned: unsigned}, o, true
}

// resultType is the integer type an integer result contributes: a
// column's own, a literal's INT or BIGINT by its length, an expression's
// as resultField gives it.
func resultType(r bound, cols []*mysql.Field, a attrs) byte {
	if c, ok := asCol(r); ok && c.i < len(cols) && cols[c.i] != nil {
		return cols[c.i].Type
	}
	if _, ok := r.(*boundLit); ok {
		return intType(attrs{length: a.length})
	}
	return resultField(r, cols, "").Type
}

// boundCase is a typed CASE or IF.
type boundCase struct {
	conds, results []bound
	els            bound // nil: NULL
	t              stype
	numOut
	str  *mysql.Field // string results (stringResult); nil: numOut
	name string
}

func (c *boundCase) st() stype    { return c.t }
func (c *boundCase) text() string { return c.name }
func (c *boundCase) prec() int    { return precHighest }

func (c *boundCase) eval(r Row) (value, error) {
	chosen := c.els
	for i, cond := range c.conds {
		v, err := cond.eval(r)
		if err != nil {
			return value{}, err
		}
		if ok, null := truth(v, cond.st()); ok && !null {
			chosen = c.results[i]
			break
		}
	}
	if chosen == nil {
		return nullValue(), nil
	}
	v, err := chosen.eval(r)
	if err != nil || v.k == vNull {
		return v, err
	}
	if c.t.cls == tDec {
		return decValue(toDec(v)), nil
	}
	return v, nil
}

func (c *boundCase) field(name string) *mysql.Field {
	if name == "" {
		name = c.name
	}
	if c.str != nil {
		f := *c.str
		f.Name = []byte(name)
		return &f
	}
	return c.numOut.field(name)
}
