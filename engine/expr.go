package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Expr is an expression over the columns of an input row (HAVING predicates,
// select-list expressions over aggregates). Build it with Col, Lit, Binary,
// Unary, IsNull and Named; it is typed against the input's column metadata when
// an operator (Filter, Compute) or ResultField binds it.
type Expr interface {
	// String renders the expression in SQL (used in error messages).
	String() string
	bind(bd binder) (bound, error)
}

// binder is what binding types an expression against: the input columns,
// and where its evaluation reports warnings (nil: nowhere).
type binder struct {
	cols []*mysql.Field
	warn *Warnings
}

// LitKind is the kind of a literal.
type LitKind int

const (
	LitInt     LitKind = iota // integer literal: BIGINT, BIGINT UNSIGNED above 2^63-1, DECIMAL above 2^64-1
	LitDecimal                // exact decimal literal such as 1.50 (scale = fraction digits)
	LitFloat                  // approximate literal such as 1e3 (DOUBLE)
	LitString                 // character string (utf8mb4_general_ci)
	LitNull                   // NULL
)

// Col is the value of input column i, typed by the column metadata.
func Col(i int) Expr { return &colExpr{i: i} }

// AvgCol is Col(i) for an AVG's column whose value as a DOUBLE is in
// column real (an [Agg] with Real): MariaDB computes an AVG that is an
// operand of arithmetic or a comparison in doubles (AVG(x) * 1e0, AVG(x) >
// 1e0) as the sum over the count in doubles (Item_sum_avg::val_real), not
// from its DECIMAL quotient's digits; through a function (IFNULL, CASE, -)
// it is the DECIMAL's, as without AvgCol.
func AvgCol(i, real int) Expr { return &colExpr{i: i, real: real, hasReal: true} }

// Lit is a literal; text is its SQL spelling without quotes.
func Lit(text string, kind LitKind) Expr { return &litExpr{text: text, kind: kind} }

// Named gives e the SQL text used for it in error messages (e.g.
// "max(`t`.`a`)" for a column holding MAX(a)), so that error 1690 messages
// match MariaDB's.
func Named(e Expr, sqlText string) Expr { return &namedExpr{e: e, text: sqlText} }

// Binary builds a op b. op is one of + - * / DIV % MOD = <=> != <> < <= > >=
// AND && OR || XOR (case-insensitive).
func Binary(op string, a, b Expr) (Expr, error) {
	if a == nil || b == nil {
		return nil, errors.New("engine: nil operand")
	}
	o := strings.ToUpper(strings.TrimSpace(op))
	switch o {
	case "MOD":
		o = "%"
	case "&&":
		o = "AND"
	case "||":
		o = "OR"
	case "!=":
		o = "<>"
	case "+", "-", "*", "/", "DIV", "%", "=", "<=>", "<>", "<", "<=", ">", ">=", "AND", "OR", "XOR":
	default:
		return nil, fmt.Errorf("engine: unsupported binary operator %q", op)
	}
	return &binExpr{op: o, a: a, b: b}, nil
}

// Unary builds op a; op is - or NOT (or !).
func Unary(op string, a Expr) (Expr, error) {
	if a == nil {
		return nil, errors.New("engine: nil operand")
	}
	o := strings.ToUpper(strings.TrimSpace(op))
	switch o {
	case "-":
	case "NOT", "!":
		o = "NOT"
	default:
		return nil, fmt.Errorf("engine: unsupported unary operator %q", op)
	}
	return &unExpr{op: o, a: a}, nil
}

// IsNull is a IS NULL, or a IS NOT NULL when negate is set.
func IsNull(a Expr, negate bool) Expr { return &isNullExpr{a: a, negate: negate} }

// ResultField is the column metadata of e computed over inCols, named name
// (e's SQL text when name is empty). A bare column keeps its input metadata.
func ResultField(e Expr, inCols []*mysql.Field, name string) *mysql.Field {
	b, err := bindExpr(e, binder{cols: inCols})
	if err != nil {
		return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_NULL, Charset: binaryCharset}
	}
	return resultField(b, inCols, name)
}

func bindExpr(e Expr, bd binder) (bound, error) {
	if e == nil {
		return nil, errors.New("engine: nil expression")
	}
	return e.bind(bd)
}

// ---------------------------------------------------------------- printing

// Operator precedences, as MariaDB uses them to parenthesize printed items.
const (
	precOr      = 2
	precXor     = 3
	precAnd     = 4
	precNot     = 5
	precCmp     = 7
	precAdd     = 11
	precMul     = 12
	precNeg     = 14
	precHighest = 20
)

func binPrec(op string) int {
	switch op {
	case "OR":
		return precOr
	case "XOR":
		return precXor
	case "AND":
		return precAnd
	case "+", "-":
		return precAdd
	case "*", "/", "DIV", "%":
		return precMul
	}
	return precCmp
}

func opText(op string) string {
	switch op {
	case "AND", "OR", "XOR":
		return strings.ToLower(op)
	}
	return op
}

func paren(s string, p, min int) string {
	if p < min {
		return "(" + s + ")"
	}
	return s
}

type colExpr struct {
	i       int
	real    int // hasReal: the column of its value as a DOUBLE (AvgCol)
	hasReal bool
}

func (c *colExpr) String() string { return fmt.Sprintf("col%d", c.i) }

type litExpr struct {
	text string
	kind LitKind
}

func (l *litExpr) String() string {
	switch l.kind {
	case LitString:
		return "'" + strings.ReplaceAll(l.text, "'", "''") + "'"
	case LitNull:
		return "NULL"
	}
	return l.text
}

type namedExpr struct {
	e    Expr
	text string
}

func (n *namedExpr) String() string { return n.text }

type binExpr struct {
	op   string
	a, b Expr
}

func exprPrec(e Expr) int {
	switch x := e.(type) {
	case *binExpr:
		return binPrec(x.op)
	case *unExpr:
		if x.op == "NOT" {
			return precNot
		}
		return precNeg
	case *isNullExpr:
		return precCmp
	}
	return precHighest
}

func (b *binExpr) String() string {
	p := binPrec(b.op)
	return paren(b.a.String(), exprPrec(b.a), p) + " " + opText(b.op) + " " + paren(b.b.String(), exprPrec(b.b), p+1)
}

type unExpr struct {
	op string
	a  Expr
}

func (u *unExpr) String() string {
	if u.op == "NOT" {
		return "!" + paren(u.a.String(), exprPrec(u.a), precHighest)
	}
	return "-" + paren(u.a.String(), exprPrec(u.a), precNeg)
}

type isNullExpr struct {
	a      Expr
	negate bool
}

func (n *isNullExpr) String() string {
	s := paren(n.a.String(), exprPrec(n.a), precCmp+1)
	if n.negate {
		return s + " is not null"
	}
	return s + " is null"
}

// ---------------------------------------------------------------- bound tree

// bound is an expression typed against concrete input columns.
type bound interface {
	st() stype
	eval(r Row) (value, error)
	text() string
	prec() int
}

func rowCell(r Row, i int) ([]byte, error) {
	if i >= len(r) {
		return nil, fmt.Errorf("engine: column %d out of range (row has %d values)", i, len(r))
	}
	return r[i], nil
}

// boundCol ------------------------------------------------------------

type boundCol struct {
	i    int
	t    stype
	name string
	// hasReal: real is the column of its value as a DOUBLE (AvgCol),
	// which useReal (realOperand) attaches to the values it reads.
	real             int
	hasReal, useReal bool
}

func (c *colExpr) bind(bd binder) (bound, error) {
	cols := bd.cols
	if c.i < 0 || c.i >= len(cols) {
		return nil, fmt.Errorf("engine: expression column %d out of range (%d columns)", c.i, len(cols))
	}
	name := fmt.Sprintf("col%d", c.i)
	if f := cols[c.i]; f != nil && len(f.Name) > 0 {
		name = string(f.Name)
	}
	if c.hasReal && (c.real < 0 || c.real >= len(cols)) {
		return nil, fmt.Errorf("engine: expression column %d out of range (%d columns)", c.real, len(cols))
	}
	return &boundCol{i: c.i, t: colType(cols[c.i]), name: name, real: c.real, hasReal: c.hasReal}, nil
}

// realOperand is b as an operand of arithmetic or a comparison: an AVG's
// column (AvgCol) carries its value as a DOUBLE there.
func realOperand(b bound) bound {
	c, ok := b.(*boundCol)
	if !ok || !c.hasReal {
		return b
	}
	cp := *c
	cp.useReal = true
	return &cp
}

func (c *boundCol) st() stype    { return c.t }
func (c *boundCol) text() string { return c.name }
func (c *boundCol) prec() int    { return precHighest }
func (c *boundCol) eval(r Row) (value, error) {
	b, err := rowCell(r, c.i)
	if err != nil {
		return value{}, err
	}
	v := colValue(b, c.t)
	if c.useReal && v.k == vDec {
		rb, err := rowCell(r, c.real)
		if err != nil {
			return value{}, err
		}
		if f, err := strconv.ParseFloat(string(rb), 64); err == nil || math.IsInf(f, 0) {
			v.f, v.real = f, true
		}
	}
	return v, nil
}

// boundNamed ----------------------------------------------------------

type boundNamed struct {
	bound
	name string
}

func (n *namedExpr) bind(bd binder) (bound, error) {
	b, err := bindExpr(n.e, bd)
	if err != nil {
		return nil, err
	}
	return &boundNamed{bound: b, name: n.text}, nil
}

func (n *boundNamed) text() string { return n.name }
func (n *boundNamed) prec() int    { return precHighest }

// doubleLength is the display length MariaDB gives a DOUBLE: a literal's
// text's (Item_float), a column's own, a negation's one more than its
// argument's (Item_func_neg), else 23.
func doubleLength(b bound, inCols []*mysql.Field) uint32 {
	for n, named := b.(*boundNamed); named; n, named = b.(*boundNamed) {
		b = n.bound
	}
	switch x := b.(type) {
	case *boundLit:
		return uint32(len(x.txt))
	case *boundCol:
		if x.i < len(inCols) && inCols[x.i] != nil && x.t.cls == tDouble {
			return inCols[x.i].ColumnLength
		}
	case *boundNeg:
		if x.a.st().cls == tDouble {
			return doubleLength(x.a, inCols) + 1
		}
	}
	return 23
}

// isConstBound reports whether b references no column.
func isConstBound(b bound) bool {
	switch x := b.(type) {
	case *boundLit:
		return true
	case *boundNamed:
		return isConstBound(x.bound)
	case *boundArith:
		return isConstBound(x.a) && isConstBound(x.b)
	case *boundCmp:
		return isConstBound(x.a) && isConstBound(x.b)
	case *boundLogic:
		return isConstBound(x.a) && isConstBound(x.b)
	case *boundNeg:
		return isConstBound(x.a)
	case *boundNot:
		return isConstBound(x.a)
	case *boundIsNull:
		return isConstBound(x.a)
	}
	return false
}

// neverNull reports non-constant operands that are never NULL by
// construction: IS [NOT] NULL and <=> (MariaDB evaluates constants while
// preparing the statement). Over a large differential test against MariaDB
// this rule matched best; MariaDB's actual folding also depends on the
// plan (an IS NULL over arithmetic is sometimes folded, sometimes evaluated).
func neverNull(b bound) bool {
	switch x := b.(type) {
	case *boundIsNull:
		return !isConstBound(x)
	case *boundCmp:
		return x.op == "<=>" && !isConstBound(x)
	}
	return false
}

// asCol unwraps a bare (possibly named) column reference.
func asCol(b bound) (*boundCol, bool) {
	for {
		switch x := b.(type) {
		case *boundCol:
			return x, true
		case *boundNamed:
			b = x.bound
		default:
			return nil, false
		}
	}
}

// boundLit ------------------------------------------------------------

type boundLit struct {
	v   value
	t   stype
	txt string
}

func (l *litExpr) bind(binder) (bound, error) {
	bl := &boundLit{txt: l.String()}
	s := strings.TrimSpace(l.text)
	switch l.kind {
	case LitInt:
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			bl.v, bl.t = intValue(i), stype{cls: tInt}
		} else if u, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64); err == nil {
			bl.v, bl.t = uintValue(u), stype{cls: tInt, unsigned: true}
		} else if d, ok := parseDecimal(s); ok && !strings.ContainsAny(s, ".eE") {
			bl.v, bl.t = decValue(d), stype{cls: tDec}
		} else {
			return nil, fmt.Errorf("engine: bad integer literal %q", l.text)
		}
	case LitDecimal:
		d, ok := parseDecimal(s)
		if !ok || strings.ContainsAny(s, "eE") {
			return nil, fmt.Errorf("engine: bad decimal literal %q", l.text)
		}
		if d.scale > maxDecimalScale {
			d = d.rescale(maxDecimalScale)
		}
		bl.v, bl.t = decValue(d), stype{cls: tDec, scale: d.scale}
	case LitFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("engine: bad float literal %q", l.text)
		}
		bl.v, bl.t = doubleValue(f), stype{cls: tDouble, scale: notFixedDec}
	case LitString:
		bl.v, bl.t = value{k: vBytes, b: []byte(l.text)}, stype{cls: tStr, kind: kindCI}
	case LitNull:
		bl.v, bl.t = nullValue(), stype{cls: tNull}
	default:
		return nil, fmt.Errorf("engine: unknown literal kind %d", l.kind)
	}
	return bl, nil
}

func (l *boundLit) st() stype               { return l.t }
func (l *boundLit) text() string            { return l.txt }
func (l *boundLit) prec() int               { return precHighest }
func (l *boundLit) eval(Row) (value, error) { return l.v, nil }

// binary binding --------------------------------------------------------

func (b *binExpr) bind(bd binder) (bound, error) {
	x, err := bindExpr(b.a, bd)
	if err != nil {
		return nil, err
	}
	y, err := bindExpr(b.b, bd)
	if err != nil {
		return nil, err
	}
	x, y = realOperand(x), realOperand(y)
	switch b.op {
	case "+", "-", "*", "/", "DIV", "%":
		if err := numberLiterals(x, y); err != nil {
			return nil, err
		}
		x, y = strictNumber(x), strictNumber(y)
		e := newArith(b.op, x, y)
		e.warn = bd.warn
		return e, nil
	case "AND", "OR", "XOR":
		if err := numberLiterals(x, y); err != nil {
			return nil, err
		}
		return &boundLogic{op: b.op, a: strictNumber(x), b: strictNumber(y)}, nil
	}
	c := newCmp(b.op, x, y)
	if c.mode == cmDec || c.mode == cmDouble {
		if err := numberLiterals(x, y); err != nil {
			return nil, err
		}
		c.a, c.b = strictNumber(c.a), strictNumber(c.b)
	}
	return c, nil
}

// wholeNumber tells whether b reads as a number without a warning: a
// number after leading spaces, none after it (MariaDB notes trailing
// spaces, warns of anything else).
func wholeNumber(b []byte) bool {
	_, end, ok := numericPrefix(b, " \t\n\v\f\r", -1)
	return ok && end == len(b)
}

// strictNumber is b, a string the merge reads as a number (MAX(s) + 1),
// refusing at evaluation a value that is not a number alone: one MariaDB
// warns that it truncates it (1292), which the merge does not. Other
// operands as they are.
func strictNumber(b bound) bound {
	if b.st().cls != tStr || isConstBound(b) {
		return b
	}
	return &boundStrictNum{bound: b}
}

type boundStrictNum struct{ bound }

func (s *boundStrictNum) eval(r Row) (value, error) {
	v, err := s.bound.eval(r)
	if err != nil || v.k != vBytes {
		return v, err
	}
	if !wholeNumber(v.b) {
		return value{}, mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
			"%s read as a number over several shards is not supported where it is not a number (%q): one MariaDB warns that it truncates it (1292), which the merge does not", s.bound.text(), v.b))
	}
	return v, nil
}

// numberLiterals refuses a string literal among operands read as numbers
// that is not a whole number ('abc', '1x', the empty string; '3 ', of
// which MariaDB notes the space): one MariaDB warns that it truncates it
// (1292, Truncated incorrect DOUBLE value), which the merge does not.
func numberLiterals(operands ...bound) error {
	for _, o := range operands {
		for n, named := o.(*boundNamed); named; n, named = o.(*boundNamed) {
			o = n.bound
		}
		l, ok := o.(*boundLit)
		if !ok || l.v.k != vBytes {
			continue
		}
		if !wholeNumber(l.v.b) {
			return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"string %s read as a number over several shards is not supported: one MariaDB warns that it truncates it (1292), which the merge does not; write it as a number", l.txt))
		}
	}
	return nil
}

func binText(op string, a, b bound) string {
	p := binPrec(op)
	return paren(a.text(), a.prec(), p) + " " + opText(op) + " " + paren(b.text(), b.prec(), p+1)
}

// boundArith ------------------------------------------------------------

type boundArith struct {
	op     string
	a, b   bound
	na, nb stype // operand types in numeric context
	t      stype
	warn   *Warnings
}

func newArith(op string, a, b bound) *boundArith {
	na, nb := numType(a.st()), numType(b.st())
	e := &boundArith{op: op, a: a, b: b, na: na, nb: nb}
	scaleOf := func(t stype) int {
		if t.cls == tInt {
			return 0
		}
		return t.scale
	}
	sa, sb := scaleOf(na), scaleOf(nb)
	if (op == "+" || op == "-" || op == "*") && (a.st().cls == tTemporal || b.st().cls == tTemporal) {
		// MariaDB computes + - * on a temporal operand as signed.
		na.unsigned, nb.unsigned = false, false
	}
	anyDouble := na.cls == tDouble || nb.cls == tDouble
	anyDec := na.cls == tDec || nb.cls == tDec
	// MariaDB's unsigned_flag: for an integer result either operand's; MOD
	// takes the dividend's whatever its type, a DECIMAL quotient is unsigned
	// when both operands are (it matters when the result feeds a DIV); other
	// DECIMAL and DOUBLE results are signed.
	intUnsigned := func(t stype) bool { return t.cls == tInt && t.unsigned }
	switch op {
	case "DIV":
		e.t = stype{cls: tInt, unsigned: intUnsigned(na) || intUnsigned(nb) || na.unsigned && na.cls != tInt || nb.unsigned && nb.cls != tInt}
	case "/":
		if anyDouble {
			e.t = stype{cls: tDouble, scale: min(max(sa, sb)+divPrecIncr, notFixedDec)}
		} else {
			e.t = stype{cls: tDec, scale: divScale(sa), unsigned: na.unsigned && nb.unsigned}
		}
	default: // + - * %
		switch {
		case anyDouble:
			e.t = stype{cls: tDouble, scale: min(max(sa, sb), notFixedDec)}
		case anyDec:
			s := max(sa, sb)
			if op == "*" {
				s = min(sa+sb, maxDecimalScale)
			}
			e.t = stype{cls: tDec, scale: s}
			if s == 0 && (a.st().cls == tTemporal || b.st().cls == tTemporal) {
				// With a temporal operand and no fraction MariaDB computes
				// + - * % as a signed BIGINT.
				e.t = stype{cls: tInt}
			}
		default:
			e.t = stype{cls: tInt, unsigned: na.unsigned || nb.unsigned}
		}
		if op == "%" {
			e.t.unsigned = na.unsigned
		}
	}
	return e
}

func (e *boundArith) st() stype    { return e.t }
func (e *boundArith) text() string { return binText(e.op, e.a, e.b) }
func (e *boundArith) prec() int    { return binPrec(e.op) }

func (e *boundArith) intOverflow(unsigned bool) error {
	if unsigned {
		return errOutOfRange("BIGINT UNSIGNED", e.text())
	}
	return errOutOfRange("BIGINT", e.text())
}

// bigToInt checks that r fits the result type and converts it.
func (e *boundArith) bigToInt(r *big.Int) (value, error) {
	if e.t.unsigned {
		if r.Sign() < 0 || !r.IsUint64() {
			return value{}, e.intOverflow(true)
		}
		return uintValue(r.Uint64()), nil
	}
	if !r.IsInt64() {
		return value{}, e.intOverflow(false)
	}
	return intValue(r.Int64()), nil
}

func (e *boundArith) eval(r Row) (value, error) {
	va, err := e.a.eval(r)
	if err != nil {
		return value{}, err
	}
	// MariaDB evaluates the second operand of a DECIMAL operation only when
	// the first is not NULL (integer and double operations evaluate both).
	lazy := e.t.cls == tDec || (e.op == "DIV" && (e.na.cls != tInt || e.nb.cls != tInt))
	if va.k == vNull && lazy {
		return nullValue(), nil
	}
	vb, err := e.b.eval(r)
	if err != nil {
		return value{}, err
	}
	if va.k == vNull || vb.k == vNull {
		return nullValue(), nil
	}
	va, vb = toNumeric(va, e.a.st()), toNumeric(vb, e.b.st())
	if e.op == "DIV" {
		return e.intDiv(va, vb)
	}
	switch e.t.cls {
	case tInt:
		return e.intOp(va, vb)
	case tDec:
		return e.decOp(va, vb)
	}
	return e.doubleOp(va, vb)
}

// divByZero is the NULL of a division, DIV or MOD by zero, which MariaDB
// answers with warning 1365 in a SELECT (strict mode turns it into an
// error in writes only, which the engine does not compute).
func (e *boundArith) divByZero() (value, error) {
	e.warn.divisionByZero()
	return nullValue(), nil
}

func (e *boundArith) intOp(a, b value) (value, error) {
	if e.op == "%" {
		bb := toBig(b)
		if bb.Sign() == 0 {
			return e.divByZero()
		}
		return e.bigToInt(new(big.Int).Rem(toBig(a), bb))
	}
	if a.k == vInt && b.k == vInt && !e.t.unsigned {
		x, y := a.i, b.i
		switch e.op {
		case "+":
			s := x + y
			if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) {
				return value{}, e.intOverflow(false)
			}
			return intValue(s), nil
		case "-":
			s := x - y
			if x == 0 && y == math.MinInt64 {
				// MariaDB 10.11 quirk (Item_func_minus::int_op): 0 - (-2^63)
				// wraps to -2^63 instead of failing.
				return intValue(math.MinInt64), nil
			}
			if (x >= 0) != (y >= 0) && (s >= 0) != (x >= 0) {
				return value{}, e.intOverflow(false)
			}
			return intValue(s), nil
		}
	}
	x, y := toBig(a), toBig(b)
	switch e.op {
	case "+":
		x.Add(x, y)
	case "-":
		x.Sub(x, y)
	case "*":
		x.Mul(x, y)
	}
	return e.bigToInt(x)
}

func (e *boundArith) intDiv(a, b value) (value, error) {
	var q *big.Int
	if e.na.cls == tInt && e.nb.cls == tInt {
		bb := toBig(b)
		if bb.Sign() == 0 {
			return e.divByZero()
		}
		q = new(big.Int).Quo(toBig(a), bb)
	} else {
		var ok bool
		q, ok = decIntDiv(toDec(a), toDec(b))
		if !ok {
			return e.divByZero()
		}
	}
	return e.bigToInt(q)
}

func (e *boundArith) decOp(a, b value) (value, error) {
	x, y := toDec(a), toDec(b)
	var d decimal
	switch e.op {
	case "+":
		d = decAdd(x, y)
	case "-":
		d = decSub(x, y)
	case "*":
		d = decMul(x, y)
	case "/":
		var ok bool
		if d, ok = decDiv(x, y); !ok {
			return e.divByZero()
		}
	case "%":
		var ok bool
		if d, ok = decMod(x, y); !ok {
			return e.divByZero()
		}
	}
	return decValue(d), nil
}

func (e *boundArith) doubleOp(a, b value) (value, error) {
	x, y := toDouble(a), toDouble(b)
	var f float64
	switch e.op {
	case "+":
		f = x + y
	case "-":
		f = x - y
	case "*":
		f = x * y
	case "/":
		if y == 0 {
			return e.divByZero()
		}
		f = x / y
	case "%":
		if y == 0 {
			return e.divByZero()
		}
		f = math.Mod(x, y)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return value{}, errOutOfRange("DOUBLE", e.text())
	}
	return doubleValue(f), nil
}

// boundNeg ----------------------------------------------------------------

type boundNeg struct {
	a bound
	t stype
}

func (u *unExpr) bind(bd binder) (bound, error) {
	x, err := bindExpr(u.a, bd)
	if err != nil {
		return nil, err
	}
	if u.op == "NOT" {
		if inner, ok := x.(*boundNot); ok {
			// MariaDB rewrites NOT NOT a as a <> 0 (which differs from the
			// truth value of a for a DECIMAL -0.00: -0.00 <> 0 is true).
			return newCmp("<>", inner.a, &boundLit{v: intValue(0), t: stype{cls: tInt}, txt: "0"}), nil
		}
		return &boundNot{a: x}, nil
	}
	t := numType(x.st())
	t.unsigned = false
	if x.st().cls == tTemporal {
		// MariaDB negates a temporal as a DECIMAL of its precision.
		return &boundNeg{a: x, t: stype{cls: tDec, scale: x.st().scale}}, nil
	}
	if l, ok := x.(*boundLit); ok {
		if nl, ok := negateLiteral(l); ok {
			return nl, nil
		}
	}
	if t.cls == tInt && isConstBound(x) {
		// MariaDB negates an integer constant whose value, seen as unsigned,
		// is 2^63 or more (a negative one or a huge unsigned one) as a
		// DECIMAL: -(-(NOT 'abc')) is DECIMAL 1.
		if v, err := x.eval(nil); err == nil && v.k != vNull {
			u := v.u
			if v.k == vInt {
				u = uint64(v.i)
			}
			if u >= 1<<63 {
				return &boundNeg{a: x, t: stype{cls: tDec}}, nil
			}
		}
	}
	return &boundNeg{a: x, t: t}, nil
}

// negateLiteral folds - applied to a numeric literal into a literal, as
// MariaDB's parser does (Item_int::neg ...): -9223372036854775808 is a BIGINT,
// -18446744073709551615 and -(-9223372036854775808) are DECIMALs.
func negateLiteral(l *boundLit) (*boundLit, bool) {
	txt, neg := strings.CutPrefix(l.txt, "-") // -(-1) is 1, as MariaDB folds it
	if !neg {
		txt = "-" + l.txt
	}
	nl := &boundLit{t: l.t, txt: txt}
	switch l.v.k {
	case vInt:
		if l.v.i == math.MinInt64 {
			nl.v, nl.t = decValue(decNeg(decFromInt64(l.v.i))), stype{cls: tDec}
		} else {
			nl.v = intValue(-l.v.i)
		}
	case vUint:
		if l.v.u == 1<<63 {
			nl.v, nl.t = intValue(math.MinInt64), stype{cls: tInt}
		} else {
			nl.v, nl.t = decValue(decNeg(decFromUint64(l.v.u))), stype{cls: tDec}
		}
	case vDec:
		nl.v = decValue(decNeg(l.v.d))
	case vDouble:
		nl.v = doubleValue(-l.v.f)
	default:
		return nil, false
	}
	return nl, true
}

func (n *boundNeg) st() stype    { return n.t }
func (n *boundNeg) text() string { return "-" + paren(n.a.text(), n.a.prec(), precNeg) }
func (n *boundNeg) prec() int    { return precNeg }

func (n *boundNeg) eval(r Row) (value, error) {
	v, err := n.a.eval(r)
	if err != nil || v.k == vNull {
		return v, err
	}
	v = toNumeric(v, n.a.st())
	if n.t.cls == tDec {
		return decValue(decNeg(toDec(v))), nil
	}
	switch v.k {
	case vInt:
		if v.i == math.MinInt64 {
			return value{}, errOutOfRange("BIGINT", n.text())
		}
		return intValue(-v.i), nil
	case vUint:
		switch {
		case v.u > 1<<63:
			return value{}, errOutOfRange("BIGINT", n.text())
		case v.u == 1<<63:
			return intValue(math.MinInt64), nil
		}
		return intValue(-int64(v.u)), nil
	case vDec:
		return decValue(decNeg(v.d)), nil
	}
	return doubleValue(-toDouble(v)), nil
}

// boundNot ------------------------------------------------------------------

type boundNot struct{ a bound }

func (n *boundNot) st() stype    { return stype{cls: tInt, boolean: true} }
func (n *boundNot) text() string { return "!" + paren(n.a.text(), n.a.prec(), precHighest) }
func (n *boundNot) prec() int    { return precNot }

func (n *boundNot) eval(r Row) (value, error) {
	v, err := n.a.eval(r)
	if err != nil {
		return value{}, err
	}
	t, null := truth(v, n.a.st())
	if null {
		return nullValue(), nil
	}
	return boolValue(!t), nil
}

// boundIsNull ---------------------------------------------------------------

type boundIsNull struct {
	a      bound
	negate bool
}

func (n *isNullExpr) bind(bd binder) (bound, error) {
	x, err := bindExpr(n.a, bd)
	if err != nil {
		return nil, err
	}
	return &boundIsNull{a: x, negate: n.negate}, nil
}

func (n *boundIsNull) st() stype { return stype{cls: tInt, boolean: true} }
func (n *boundIsNull) text() string {
	s := paren(n.a.text(), n.a.prec(), precCmp+1)
	if n.negate {
		return s + " is not null"
	}
	return s + " is null"
}
func (n *boundIsNull) prec() int { return precCmp }

func (n *boundIsNull) eval(r Row) (value, error) {
	if neverNull(n.a) {
		// MariaDB folds the test of an operand that is NULL-free by
		// construction without evaluating it (so its errors are not raised).
		return boolValue(n.negate), nil
	}
	v, err := n.a.eval(r)
	if err != nil {
		return value{}, err
	}
	return boolValue((v.k == vNull) != n.negate), nil
}

// boundLogic ----------------------------------------------------------------

type boundLogic struct {
	op   string
	a, b bound
}

func (l *boundLogic) st() stype    { return stype{cls: tInt, boolean: true} }
func (l *boundLogic) text() string { return binText(l.op, l.a, l.b) }
func (l *boundLogic) prec() int    { return binPrec(l.op) }

func (l *boundLogic) eval(r Row) (value, error) {
	va, err := l.a.eval(r)
	if err != nil {
		return value{}, err
	}
	ta, na := truth(va, l.a.st())
	// AND / OR short-circuit like MariaDB; XOR stops at a NULL.
	if l.op == "AND" && !na && !ta {
		return boolValue(false), nil
	}
	if l.op == "OR" && !na && ta {
		return boolValue(true), nil
	}
	if l.op == "XOR" && na {
		return nullValue(), nil
	}
	vb, err := l.b.eval(r)
	if err != nil {
		return value{}, err
	}
	tb, nb := truth(vb, l.b.st())
	switch l.op {
	case "AND":
		if !nb && !tb {
			return boolValue(false), nil
		}
		if na || nb {
			return nullValue(), nil
		}
		return boolValue(true), nil
	case "OR":
		if !nb && tb {
			return boolValue(true), nil
		}
		if na || nb {
			return nullValue(), nil
		}
		return boolValue(false), nil
	}
	if na || nb {
		return nullValue(), nil
	}
	return boolValue(ta != tb), nil
}

// boundCmp ------------------------------------------------------------------

type cmpMode uint8

const (
	cmInt cmpMode = iota
	cmDec
	cmDouble
	cmString
	cmDatetime
	cmTime
)

type boundCmp struct {
	op   string
	a, b bound
	mode cmpMode
	kind cmpKind // cmString collation
	// precision: doubles with fixed decimals compare equal when closer than
	// 5 / 10^(decimals+1) (MariaDB's compare_real_fixed).
	precision float64
}

// fixedDecimals is the number of decimals of t in a double comparison, or
// notFixedDec.
func fixedDecimals(t stype) int {
	switch t.cls {
	case tInt, tNull:
		return 0
	case tDec:
		return t.scale
	case tDouble:
		return t.scale
	case tTemporal:
		return numType(t).scale
	}
	return notFixedDec
}

func combineKinds(a, b cmpKind) cmpKind {
	switch {
	case a == kindBinary || b == kindBinary:
		return kindBinary
	case a == kindBinPad || b == kindBinPad:
		return kindBinPad
	}
	return kindCI
}

// newCmp picks the comparison type like MariaDB: strings compare as strings;
// a DATE/DATETIME/TIMESTAMP (or TIME) compared with a temporal of the same
// family, a string or a number compares as a datetime (or time), the other
// operand being converted (an unconvertible one counting as the zero value);
// numbers compare as integers, with a DECIMAL as decimals, with a constant
// string as decimals, with a DOUBLE or another string as doubles.
func newCmp(op string, a, b bound) *boundCmp {
	c := &boundCmp{op: op, a: a, b: b}
	ta, tb := a.st(), b.st()
	isTime := func(t stype) bool { return t.cls == tTemporal && t.mtype == mysql.MYSQL_TYPE_TIME }
	switch {
	case ta.cls == tNull || tb.cls == tNull:
		c.mode = cmDouble
		return c
	case ta.cls == tStr && tb.cls == tStr:
		c.mode, c.kind = cmString, combineKinds(ta.kind, tb.kind)
		return c
	case ta.cls == tTemporal || tb.cls == tTemporal:
		switch {
		case ta.cls == tTemporal && tb.cls == tTemporal && isTime(ta) != isTime(tb):
			// TIME vs DATE/DATETIME: the TIME is put on the current date.
			c.mode = cmDatetime
			return c
		case isTime(ta) || isTime(tb):
			c.mode = cmTime
			return c
		default:
			c.mode = cmDatetime
			return c
		}
	}
	na, nb := numType(ta), numType(tb)
	switch {
	case ta.cls == tStr && isConstBound(a) && (nb.cls == tInt || nb.cls == tDec) ||
		tb.cls == tStr && isConstBound(b) && (na.cls == tInt || na.cls == tDec):
		// MariaDB converts a constant string compared with an integer or a
		// DECIMAL to DECIMAL ('abc' is 0); a non-constant string compares
		// as a double.
		c.mode = cmDec
	case na.cls == tDouble || nb.cls == tDouble:
		c.mode = cmDouble
		if da, db := fixedDecimals(ta), fixedDecimals(tb); da < notFixedDec && db < notFixedDec {
			c.precision = 5 / math.Pow10(max(da, db)+1)
		}
	case na.cls == tDec || nb.cls == tDec:
		c.mode = cmDec
	default:
		c.mode = cmInt
	}
	return c
}

func (c *boundCmp) st() stype    { return stype{cls: tInt, boolean: true} }
func (c *boundCmp) text() string { return binText(c.op, c.a, c.b) }
func (c *boundCmp) prec() int    { return precCmp }

func (c *boundCmp) eval(r Row) (value, error) {
	va, err := c.a.eval(r)
	if err != nil {
		return value{}, err
	}
	if va.k == vNull && c.op != "<=>" {
		// MariaDB does not evaluate the right operand then.
		return nullValue(), nil
	}
	vb, err := c.b.eval(r)
	if err != nil {
		return value{}, err
	}
	if va.k == vNull || vb.k == vNull {
		if c.op == "<=>" {
			return boolValue(va.k == vNull && vb.k == vNull), nil
		}
		return nullValue(), nil
	}
	n := c.compare(va, vb)
	var res bool
	switch c.op {
	case "=", "<=>":
		res = n == 0
	case "<>":
		res = n != 0
	case "<":
		res = n < 0
	case "<=":
		res = n <= 0
	case ">":
		res = n > 0
	case ">=":
		res = n >= 0
	}
	return boolValue(res), nil
}

func (c *boundCmp) compare(va, vb value) int {
	ta, tb := c.a.st(), c.b.st()
	switch c.mode {
	case cmString:
		return compareValues(c.kind, va.b, vb.b)
	case cmDatetime:
		return bytes.Compare(asDatetime(va, ta), asDatetime(vb, tb))
	case cmTime:
		return cmpInt64(asTime(va, ta), asTime(vb, tb))
	case cmDec:
		// A DECIMAL operand compares at its declared scale (a quotient
		// carries more digits internally: 1/3 = 0.3333 is true); a string
		// operand converts to DECIMAL.
		if ta.cls != tStr {
			va = toNumeric(va, ta)
		}
		if tb.cls != tStr {
			vb = toNumeric(vb, tb)
		}
		return decCmp(decAtScale(va, numType(ta)), decAtScale(vb, numType(tb)))
	case cmInt:
		return cmpInts(toNumeric(va, ta), toNumeric(vb, tb))
	}
	x, y := toDouble(toNumeric(va, ta)), toDouble(toNumeric(vb, tb))
	if c.precision > 0 && math.Abs(x-y) < c.precision {
		return 0
	}
	return cmpFloat(x, y)
}

func decAtScale(v value, t stype) decimal {
	if v.k == vBytes {
		return strToDec(v.b)
	}
	d := toDec(v)
	if t.cls == tDec && d.scale > t.scale {
		d = d.rescale(t.scale)
	}
	return d
}

// asDatetime converts a comparison operand to a canonical datetime.
func asDatetime(v value, t stype) []byte {
	if t.cls == tTemporal && t.mtype == mysql.MYSQL_TYPE_TIME {
		m, _ := parseTimeMicros(v.b)
		y, mo, d := time.Now().Date()
		dt := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Microsecond)
		return []byte(dt.Format("2006-01-02 15:04:05.000000"))
	}
	switch t.cls {
	case tTemporal, tStr:
		if d, ok := canonDatetime(v.b); ok {
			return d
		}
		return []byte(zeroDatetimeText)
	}
	if t.cls == tInt && t.mtype == mysql.MYSQL_TYPE_YEAR && v.k == vUint {
		// A YEAR compares as the date YYYY-00-00.
		if v.u == 0 || v.u > 9999 {
			return []byte(zeroDatetimeText)
		}
		return fmt.Appendf(nil, "%04d-00-00 00:00:00.000000", v.u)
	}
	return numToDatetime(toDec(toNumeric(v, t)))
}

// asTime converts a comparison operand to TIME microseconds.
func asTime(v value, t stype) int64 {
	switch t.cls {
	case tTemporal, tStr:
		if m, ok := timeMicrosLenient(v.b); ok {
			return m
		}
		return 0
	}
	return numToTime(toDec(toNumeric(v, t)))
}

func cmpInts(a, b value) int {
	if a.k == vInt && b.k == vInt {
		return cmpInt64(a.i, b.i)
	}
	if a.k == vInt && a.i < 0 {
		return -1
	}
	if b.k == vInt && b.i < 0 {
		return 1
	}
	x, y := a.u, b.u
	if a.k == vInt {
		x = uint64(a.i)
	}
	if b.k == vInt {
		y = uint64(b.i)
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// ---------------------------------------------------------------- metadata

func resultField(b bound, inCols []*mysql.Field, name string) *mysql.Field {
	if n, ok := b.(*boundIfNull); ok && n.col < len(inCols) && inCols[n.col] != nil {
		return n.field(inCols[n.col], name)
	}
	if r, ok := b.(*boundRound); ok {
		return r.field(inCols, name)
	}
	if n, ok := b.(*boundNumFunc); ok {
		return n.field(inCols, name)
	}
	if c, ok := b.(*boundCase); ok {
		return c.field(name)
	}
	if g, ok := b.(*boundGreatest); ok {
		return g.field(name)
	}
	if n, ok := b.(*boundNullIf); ok {
		return n.field(inCols, name)
	}
	if l, ok := asStrLit(b); ok && l.f != nil {
		// A string literal the shards typed: their definition.
		f := *l.f
		if name != "" {
			f.Name = []byte(name)
		}
		return &f
	}
	if c, ok := asCol(b); ok && c.i < len(inCols) && inCols[c.i] != nil {
		f := *inCols[c.i]
		if name != "" {
			f.Name = []byte(name)
		}
		return &f
	}
	if name == "" {
		name = b.text()
	}
	t := b.st()
	// MariaDB sends BINARY (and UNSIGNED) for computed numbers, not NUM.
	f := &mysql.Field{Name: []byte(name), Charset: binaryCharset, Flag: mysql.BINARY_FLAG}
	if t.unsigned {
		f.Flag |= mysql.UNSIGNED_FLAG
	}
	a := attrsOf(b, inCols)
	if a.ok && a.notNull {
		f.Flag |= mysql.NOT_NULL_FLAG
	}
	switch t.cls {
	case tInt:
		switch {
		case t.boolean:
			f.Type, f.ColumnLength = mysql.MYSQL_TYPE_LONG, 1
		case a.ok:
			f.Type, f.ColumnLength = intType(a), uint32(a.length)
		default:
			f.Type, f.ColumnLength = mysql.MYSQL_TYPE_LONGLONG, 21
		}
	case tDec:
		f.Type, f.Decimal = mysql.MYSQL_TYPE_NEWDECIMAL, uint8(t.scale)
		f.ColumnLength = uint32(min(65, 30+t.scale) + 2)
		if a.ok {
			f.ColumnLength = uint32(a.length)
		}
	case tDouble:
		f.Type, f.Decimal, f.ColumnLength = mysql.MYSQL_TYPE_DOUBLE, uint8(t.scale), doubleLength(b, inCols)
	case tNull:
		f.Type, f.Flag = mysql.MYSQL_TYPE_NULL, mysql.BINARY_FLAG
	default:
		f.Type, f.Flag, f.Decimal = mysql.MYSQL_TYPE_VAR_STRING, 0, 39
		f.Charset = 33 // utf8mb3_general_ci, what MariaDB reports to a utf8 connection
		for _, c := range inCols {
			if c != nil && colType(c).cls == tStr && c.Charset != binaryCharset {
				f.Charset = c.Charset
				break
			}
		}
		if t.kind == kindBinary {
			f.Charset, f.Flag = binaryCharset, mysql.BINARY_FLAG
		}
		if l, ok := b.(*boundLit); ok {
			f.ColumnLength = uint32(len(l.v.b)) * 4
		}
	}
	return f
}
