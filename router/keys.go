package router

import (
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/sharding"
)

// valSrc is a shard key value: a literal, or a parameter bound at execute.
type valSrc struct {
	lit   sharding.Value
	param int  // >= 0: index of the parameter
	neg   bool // -?: the parameter negated
}

func (v valSrc) value(params []Param) sharding.Value {
	if v.param >= 0 {
		if v.param >= len(params) {
			return sharding.NullValue()
		}
		if v.neg {
			return negated(params[v.param])
		}
		return params[v.param].Key
	}
	return v.lit
}

// keyCond is one restriction on the shard key: the key equals one of eq, or
// lies in a range.
type keyCond struct {
	eq     []valSrc
	in     *ast.PatternInExpr // the IN list eq came from, for per-shard splitting
	rng    bool
	lo, hi *valSrc
	loIncl bool
	hiIncl bool
	// nullSafe: from <=>, where a NULL value restricts nothing.
	nullSafe bool
}

// literal turns a constant expression into a value source.
func literal(e ast.ExprNode) (valSrc, bool) {
	switch x := e.(type) {
	case *driver.ParamMarkerExpr:
		return valSrc{param: x.Order}, true
	case *driver.ValueExpr:
		v, ok := datumValue(x)
		return valSrc{lit: v, param: -1}, ok
	case *ast.ParenthesesExpr:
		return literal(x.Expr)
	case *ast.UnaryOperationExpr:
		if x.Op != opcode.Minus {
			return valSrc{}, false
		}
		if m, ok := x.V.(*driver.ParamMarkerExpr); ok {
			return valSrc{param: m.Order, neg: true}, true
		}
		v, ok := x.V.(*driver.ValueExpr)
		if !ok {
			return valSrc{}, false
		}
		switch n := v.GetValue().(type) {
		case int64:
			if n == -n && n != 0 { // MinInt64 has no positive counterpart
				return valSrc{}, false
			}
			return valSrc{lit: sharding.IntValue(-n), param: -1}, true
		case uint64:
			return valSrc{lit: sharding.NumberValue("-" + itoaU(n)), param: -1}, true
		case *driver.MyDecimal:
			return valSrc{lit: sharding.NumberValue("-" + n.String()), param: -1}, true
		case float64:
			return valSrc{lit: sharding.FloatValue(-n), param: -1}, true
		}
	}
	return valSrc{}, false
}

func itoaU(u uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return string(b[i:])
}

// datumValue is a literal's value as a shard key; ok is false for a
// literal that stands for no one Key: 0x2B and b'101011', numbers where an
// integer is compared or stored and strings where a string is
// (hexliteral.go), and dates. Such a value is no literal to route by: a
// read goes to every shard, each comparing it as MariaDB does. X'2B' is
// the string '+'.
func datumValue(v *driver.ValueExpr) (sharding.Value, bool) {
	if v.Kind() == driver.KindBinaryLiteral {
		if isHexNumber(v) {
			return sharding.Value{}, false
		}
		return sharding.BinaryValue(v.GetBytes()), true
	}
	switch x := v.GetValue().(type) {
	case nil:
		return sharding.NullValue(), true
	case int64:
		return sharding.IntValue(x), true
	case uint64:
		return sharding.UintValue(x), true
	case float64:
		return sharding.FloatValue(x), true
	case float32:
		return sharding.FloatValue(float64(x)), true
	case string:
		return sharding.StringValue(x), true
	case []byte:
		return sharding.BytesValue(x), true
	case *driver.MyDecimal:
		return sharding.NumberValue(x.String()), true
	}
	return sharding.Value{}, false
}

// keyTarget tells whether a column reference names the shard key of one of
// the statement's sharded tables.
type keyTarget struct {
	tables []tableInfo // sharded tables, all co-located
	single bool        // the statement has one table: unqualified names are its own
	// keyNames, when set, counts the sharded tables of the FROM clause by
	// (lower-cased) shard key name: an unqualified name that is the shard
	// key of exactly one of them is that table's key. The table has that
	// column, so MariaDB either resolves the name to it or refuses it as
	// ambiguous (error 1052, which the shard answers too). Only for WHERE
	// of a FROM clause of plain tables: an ON clause sees only its own
	// join's tables, and a derived table's columns are unknown.
	keyNames map[string]int
	owners   owners // several tables: which one each unqualified name is of (catalog)
}

func (k keyTarget) isKey(e ast.ExprNode) bool {
	c, ok := e.(*ast.ColumnNameExpr)
	if !ok {
		if p, ok := e.(*ast.ParenthesesExpr); ok {
			return k.isKey(p.Expr)
		}
		return false
	}
	name := c.Name
	for _, t := range k.tables {
		if !strings.EqualFold(name.Name.O, t.table.ShardKey) {
			continue
		}
		if name.Table.O == "" {
			if k.single || k.keyNames[name.Name.L] == 1 || k.owners.qualifier(name) == t.alias {
				return true
			}
			continue
		}
		if name.Table.L == t.alias && (name.Schema.O == "" || strings.EqualFold(name.Schema.O, t.schema)) {
			return true
		}
	}
	return false
}

// splitAnd flattens the top-level AND conjuncts of a condition.
func splitAnd(e ast.ExprNode, out []ast.ExprNode) []ast.ExprNode {
	switch x := e.(type) {
	case nil:
		return out
	case *ast.ParenthesesExpr:
		return splitAnd(x.Expr, out)
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.LogicAnd {
			return splitAnd(x.R, splitAnd(x.L, out))
		}
	}
	return append(out, e)
}

// keyConds extracts the restrictions WHERE puts on the shard key. Only
// conditions that certainly restrict it are returned; anything else means
// "any shard", which is always correct.
func (k keyTarget) keyConds(where ast.ExprNode) []keyCond {
	return k.condsOf(splitAnd(where, nil))
}

// eqCond is the restriction of l = r on the key.
func (k keyTarget) eqCond(l, r ast.ExprNode) (keyCond, bool) {
	if kc, ok := k.rowEq(l, r); ok {
		return kc, true
	}
	if k.isKey(l) {
		if v, ok := literal(r); ok {
			return keyCond{eq: []valSrc{v}}, true
		}
	}
	if k.isKey(r) {
		if v, ok := literal(l); ok {
			return keyCond{eq: []valSrc{v}}, true
		}
	}
	return keyCond{}, false
}

func (k keyTarget) cond(e ast.ExprNode) (keyCond, bool) {
	switch x := e.(type) {
	case *ast.ParenthesesExpr:
		return k.cond(x.Expr)
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.EQ, opcode.NullEQ:
			kc, ok := k.eqCond(x.L, x.R)
			// key <=> NULL holds where the key is NULL, which a row an
			// outer join NULL-extends has on any shard: a NULL value
			// then restricts nothing (bind), where = matches nothing.
			kc.nullSafe = x.Op == opcode.NullEQ
			return kc, ok
		case opcode.LogicOr:
			l, ok1 := k.cond(x.L)
			r, ok2 := k.cond(x.R)
			if ok1 && ok2 && !l.rng && !r.rng {
				// k <=> NULL OR k = 1 holds on NULL keys too.
				return keyCond{eq: append(append([]valSrc(nil), l.eq...), r.eq...), nullSafe: l.nullSafe || r.nullSafe}, true
			}
		case opcode.LT, opcode.LE, opcode.GT, opcode.GE:
			op := x.Op
			col, val := x.L, x.R
			if !k.isKey(col) {
				col, val = x.R, x.L
				op = flip(op)
			}
			if !k.isKey(col) {
				return keyCond{}, false
			}
			v, ok := literal(val)
			if !ok {
				return keyCond{}, false
			}
			kc := keyCond{rng: true}
			switch op {
			case opcode.LT, opcode.LE:
				kc.hi, kc.hiIncl = &v, op == opcode.LE
			default:
				kc.lo, kc.loIncl = &v, op == opcode.GE
			}
			return kc, true
		}
	case *ast.PatternInExpr:
		if x.Not || x.Sel != nil {
			return keyCond{}, false
		}
		if row, ok := x.Expr.(*ast.RowExpr); ok {
			return k.rowIn(row, x)
		}
		if !k.isKey(x.Expr) {
			return keyCond{}, false
		}
		vals := make([]valSrc, 0, len(x.List))
		for _, item := range x.List {
			v, ok := literal(item)
			if !ok {
				return keyCond{}, false
			}
			vals = append(vals, v)
		}
		return keyCond{eq: vals, in: x}, true
	case *ast.BetweenExpr:
		if x.Not || !k.isKey(x.Expr) {
			return keyCond{}, false
		}
		lo, ok1 := literal(x.Left)
		hi, ok2 := literal(x.Right)
		if !ok1 || !ok2 {
			return keyCond{}, false
		}
		return keyCond{rng: true, lo: &lo, hi: &hi, loIncl: true, hiIncl: true}, true
	}
	return keyCond{}, false
}

// keyPos is the position of a shard key in a row constructor, or -1.
func (k keyTarget) keyPos(row *ast.RowExpr) int {
	for i, v := range row.Values {
		if k.isKey(v) {
			return i
		}
	}
	return -1
}

// rowEq reads (a, b) = (1, 2) with the shard key among the columns as
// key = 1: MariaDB compares rows element by element, and the row
// comparison is true only where each element comparison is.
func (k keyTarget) rowEq(l, r ast.ExprNode) (keyCond, bool) {
	lr, ok1 := unparen(l).(*ast.RowExpr)
	rr, ok2 := unparen(r).(*ast.RowExpr)
	if !ok1 || !ok2 || len(lr.Values) != len(rr.Values) {
		return keyCond{}, false
	}
	for _, pair := range [][2]*ast.RowExpr{{lr, rr}, {rr, lr}} {
		if i := k.keyPos(pair[0]); i >= 0 {
			if v, ok := literal(pair[1].Values[i]); ok {
				return keyCond{eq: []valSrc{v}}, true
			}
		}
	}
	return keyCond{}, false
}

// rowIn reads (a, b) IN ((1, 1), (2, 5)) with the shard key a as
// a IN (1, 2): a row matches only if its key equals the key element of one
// of the items. The list is not split per shard: MariaDB picks each
// column's comparison type from all the items (b IN ('x', 5) compares as
// numbers, where 'gold' equals 'silver'), so a shard given only its own
// items could compare b otherwise; each shard involved gets the whole list.
func (k keyTarget) rowIn(row *ast.RowExpr, in *ast.PatternInExpr) (keyCond, bool) {
	i := k.keyPos(row)
	if i < 0 {
		return keyCond{}, false
	}
	vals := make([]valSrc, 0, len(in.List))
	for _, item := range in.List {
		r, ok := unparen(item).(*ast.RowExpr)
		if !ok || len(r.Values) != len(row.Values) {
			return keyCond{}, false
		}
		v, ok := literal(r.Values[i])
		if !ok {
			return keyCond{}, false
		}
		vals = append(vals, v)
	}
	return keyCond{eq: vals}, true
}

func unparen(e ast.ExprNode) ast.ExprNode {
	for {
		p, ok := e.(*ast.ParenthesesExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

func flip(op opcode.Op) opcode.Op {
	switch op {
	case opcode.LT:
		return opcode.GT
	case opcode.LE:
		return opcode.GE
	case opcode.GT:
		return opcode.LT
	case opcode.GE:
		return opcode.LE
	}
	return op
}

// shardsFor returns the shards the conditions allow (nil conds: all), and
// for an IN list that alone restricts the key, that list and which of its
// items each shard holds; text is the client's (keytext.go).
func shardsFor(t *sharding.Table, conds []keyCond, params []Param, text ClientText) (shards []string, split *inSplit) {
	shards = t.AllShards()
	for _, c := range conds {
		if c.unroutable(params) {
			continue
		}
		var allowed []string
		var items map[string][]int
		if c.rng {
			var lo, hi *sharding.Key
			if c.lo != nil {
				v, ok := text.key(c.lo.value(params))
				k, err := t.Normalize(v)
				if err != nil || !ok {
					continue
				}
				lo = &k
			}
			if c.hi != nil {
				v, ok := text.key(c.hi.value(params))
				k, err := t.Normalize(v)
				if err != nil || !ok {
					continue
				}
				hi = &k
			}
			s, err := t.LocateRange(lo, hi, c.loIncl, c.hiIncl)
			if err != nil {
				continue
			}
			allowed = s
		} else {
			vals := make([]sharding.Value, 0, len(c.eq))
			nulls, unread := 0, false
			for _, v := range c.eq {
				val, ok := text.key(v.value(params))
				unread = unread || !ok
				if val.IsNull() {
					// key = NULL matches nothing; NULL in an IN list adds nothing.
					nulls++
					continue
				}
				vals = append(vals, val)
			}
			if c.nullSafe && nulls > 0 {
				continue
			}
			if len(vals) == 0 && nulls > 0 {
				allowed = nil
				shards = intersect(shards, allowed)
				continue
			}
			if unread || t.TextKey() && slices.ContainsFunc(vals, sharding.Value.IsNumber) {
				continue // compared as numbers: '5abc' = 5 on any shard
			}
			if form := t.KeyForm(); slices.ContainsFunc(vals, func(v sharding.Value) bool { return !form.Accepts(v) }) {
				continue // '20200102' is DATE '2020-01-02', on that spelling's shard
			}
			m, err := t.LocateValues(vals)
			if err != nil {
				continue
			}
			for s := range m {
				allowed = append(allowed, s)
			}
			if c.in != nil && nulls == 0 {
				items = m
			}
		}
		shards = intersect(shards, allowed)
		if items != nil && len(conds) == 1 {
			split = &inSplit{items: items}
		}
	}
	return shards, split
}

// unroutable tells whether a value of c picks no shard (valSrc.routable).
func (c keyCond) unroutable(params []Param) bool {
	for _, v := range c.eq {
		if !v.routable(params) {
			return true
		}
	}
	return c.lo != nil && !c.lo.routable(params) || c.hi != nil && !c.hi.routable(params)
}

// routable tells whether v's value stands for the keys MariaDB finds
// equal to it. A date or time parameter does not: MariaDB compares the
// key with it as a date or time (VARCHAR keys '2020-01-02' and
// '2020-01-02 00:00:00', INT keys 20200102 and 200102 all equal DATE
// 2020-01-02), keys no one shard holds. Nor does the negation of a
// string (-'5' is -5 to MariaDB), which negated cannot write.
func (v valSrc) routable(params []Param) bool {
	if v.param < 0 || v.param >= len(params) || params[v.param].Null {
		return true
	}
	p := params[v.param]
	if isTemporalType(p.Type) {
		return false
	}
	return !v.neg || numericText(p.Literal)
}

// inSplit is the items of the IN list on the shard key that each shard
// holds: the list of the plan's only key condition, whose items are the
// slot of an inListText (a SELECT merge's WHERE, an UPDATE's or DELETE's
// statement).
type inSplit struct {
	items map[string][]int
}

// intersect keeps the elements of a that are in b, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// negated is the value of -p: for a number, the same number with its sign
// flipped, written as numeric text (-5 routes as -5 does). Anything else
// (a string, NULL) has no literal form here: NULL, as MySQL's -NULL; a
// condition on the negation of a string picks no shard (routable).
func negated(p Param) sharding.Value {
	if p.Null || !numericText(p.Literal) {
		return sharding.NullValue()
	}
	lit := strings.TrimPrefix(p.Literal, "+")
	if strings.HasPrefix(lit, "-") {
		return sharding.NumberValue(lit[1:])
	}
	return sharding.NumberValue("-" + lit)
}

// numericText tells whether a parameter's literal is a number.
func numericText(lit string) bool {
	return lit != "" && (lit[0] >= '0' && lit[0] <= '9' || lit[0] == '-' || lit[0] == '+' || lit[0] == '.')
}
