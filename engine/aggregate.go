package engine

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// groupFlag is MariaDB's GROUP_FLAG, which a column grouped through a
// temporary table carries to the client (the value of NUM_FLAG).
const groupFlag = 0x8000

// AggFn is a final aggregate computed from the shards' partial aggregates.
type AggFn int

const (
	// AggCount sums partial counts (COUNT(*), COUNT(x)).
	AggCount AggFn = iota
	// AggSum sums partial sums; NULL if every partial sum is NULL.
	AggSum
	// AggMin is the smallest partial minimum under the comparison rules.
	AggMin
	// AggMax is the largest partial maximum under the comparison rules.
	AggMax
	// AggAvg is sum(partial sums) / sum(partial counts), Col holding the
	// partial SUM and CountCol the partial COUNT.
	AggAvg
	// AggCountDistinct counts the distinct non-NULL values of Col within the
	// group; the input holds one row per (group, value) pair.
	AggCountDistinct
	// AggAny is a column that is neither grouped nor aggregated: the value
	// of the row that stands for the group (the Rep MIN's lowest, else the
	// first row met), as one MariaDB shows the first row it read.
	AggAny
	// AggBitOr, AggBitAnd and AggBitXor combine the shards' BIT_OR,
	// BIT_AND and BIT_XOR of a group (unsigned 64-bit integers): the
	// operations are associative, and a shard without rows answers their
	// identity (0, all ones, 0), so the merge is exact.
	AggBitOr
	AggBitAnd
	AggBitXor
	// AggGroupConcat joins the shards' pieces of a GROUP_CONCAT in the
	// order of its arguments (Agg.Concat, groupconcat.go).
	AggGroupConcat
	aggFnEnd
)

func (f AggFn) String() string {
	switch f {
	case AggCount:
		return "COUNT"
	case AggSum:
		return "SUM"
	case AggMin:
		return "MIN"
	case AggMax:
		return "MAX"
	case AggAvg:
		return "AVG"
	case AggCountDistinct:
		return "COUNT(DISTINCT)"
	case AggAny:
		return "ANY"
	case AggBitOr:
		return "BIT_OR"
	case AggBitAnd:
		return "BIT_AND"
	case AggBitXor:
		return "BIT_XOR"
	case AggGroupConcat:
		return "GROUP_CONCAT"
	}
	return fmt.Sprintf("AggFn(%d)", int(f))
}

// Agg is one output aggregate column.
type Agg struct {
	Fn AggFn
	// Label is the aggregate as the client wrote it (SUM(f)), for
	// messages; Name is the merge's own.
	Label    string
	Col      int // input column (partial count / sum / min / max, or the value for COUNT(DISTINCT))
	CountCol int // AggAvg: input column holding the partial COUNT
	// ShapeCol (AggAvg, when not 0): input column holding the shard's own
	// AVG(x), whose definition gives a FLOAT or DOUBLE average its display
	// length: MariaDB derives it from x's (AVG of a FLOAT is 16 long, of
	// a FLOAT(7,3) 11), which the partial SUM does not tell.
	ShapeCol int
	Name     string // output column name
	// Distinct: SUM(DISTINCT x) or AVG(DISTINCT x). The input holds one
	// row per (group, x) pair, Col the shard's SUM(DISTINCT x) of it (x
	// converted to SUM's type: what MariaDB tells distinct values by);
	// each distinct non-NULL value counts once, CountCol is unused.
	Distinct bool
	// More: COUNT(DISTINCT x, y, ...): the input columns of y, ...; a
	// tuple counts when none of its values is NULL.
	More []int
	// ShardField: the output column is described as the shard described
	// its partial column (COUNT, SUM, MIN, MAX). Set when the shards group
	// as the statement does: MariaDB's metadata then follows the plan it
	// chose, as the shard's does (a GROUP BY through a temporary table
	// sends COUNT(*) without BINARY, MIN of a string with 0 decimals).
	ShardField bool
	// Rep (a MIN, of the primary key): a group shows the group values of
	// the input row with the lowest value here, where its values differ
	// in ways the comparison ignores ('a' and 'A'): one MariaDB shows the
	// first row it read, the lowest key on a scan of the table.
	Rep bool
	// Concat: how an AggGroupConcat orders and joins its pieces (Col).
	Concat *GroupConcat
	// Equal (a MIN or MAX): every input value is the same (a string
	// literal the shards type): comparing them decides nothing, so text
	// in any character set is taken (charsetcheck.go).
	Equal bool
	// Real (an AggAvg): the output is the average as a DOUBLE, the sum
	// over the count in doubles, for expressions that use the AVG as
	// MariaDB's val_real does (AvgCol); not for a client to see.
	Real bool
}

// Aggregate groups its input by the groupBy columns (under the comparison
// rules: 'a' and 'A' share a group for a case-insensitive column) and merges
// partial aggregates. Each output row is the group-by values (the text of the
// group's first row) followed by one column per Agg; groups come out in order
// of first appearance. Without groupBy an empty input still yields one row
// (COUNT 0, other aggregates NULL). The input is consumed (and closed) on the
// first call to Next. An exact AVG's cell holds every digit of its quotient
// (what expressions over it compute with): run the rows through Compute,
// which prints it at its column's scale, before a client sees them.
func Aggregate(in Rows, groupBy []int, aggs []Agg) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	inCols := in.Columns()
	a := &aggRows{in: in, groupBy: append([]int(nil), groupBy...), groups: map[string]int{}, rep: -1}
	fail := func(err error) Rows { return &closingErrRows{errRows{cols: inCols, err: err}, in} }
	check := func(what string, c int) error {
		if c < 0 || c >= len(inCols) {
			return fmt.Errorf("engine: aggregate %s column %d out of range (%d columns)", what, c, len(inCols))
		}
		return nil
	}
	// With a DISTINCT aggregate the shards group by its arguments too,
	// through a temporary table that marks their group columns 0x8000
	// (GROUP_FLAG); MariaDB sorts such a statement's groups instead, and
	// sends the columns without it (checked on 10.11).
	finer := slices.ContainsFunc(aggs, func(g Agg) bool { return g.Fn == AggCountDistinct || g.Fn == AggGroupConcat || g.Distinct })
	for _, c := range groupBy {
		if err := check("group-by", c); err != nil {
			return fail(err)
		}
		k, err := keyKind(inCols[c])
		if err != nil {
			return fail(err)
		}
		a.gkinds = append(a.gkinds, k)
		f := inCols[c]
		if finer && f != nil && f.Flag&groupFlag != 0 {
			f = copyField(f)
			f.Flag &^= groupFlag
		}
		a.fields = append(a.fields, f)
	}
	for _, g := range aggs {
		if err := check(g.Fn.String(), g.Col); err != nil {
			return fail(err)
		}
		if g.Fn == AggAvg && !g.Distinct {
			if err := check("AVG count", g.CountCol); err != nil {
				return fail(err)
			}
		}
		if g.Fn == AggAvg && g.ShapeCol != 0 {
			if err := check("AVG shape", g.ShapeCol); err != nil {
				return fail(err)
			}
		}
		if g.Fn < AggCount || g.Fn >= aggFnEnd {
			return fail(fmt.Errorf("engine: unknown aggregate function %d", int(g.Fn)))
		}
		if err := aggKeyError(g, inCols); err != nil {
			return fail(err)
		}
		if g.Rep {
			if g.Fn != AggMin || a.rep >= 0 {
				return fail(fmt.Errorf("engine: a group's representative is one MIN"))
			}
			a.rep = len(a.specs)
		}
		if g.Fn == AggGroupConcat {
			if err := checkGroupConcat(g, inCols); err != nil {
				return fail(err)
			}
		}
		if g.Fn == AggCountDistinct {
			for _, c := range append([]int{g.Col}, g.More...) {
				if c >= 0 && c < len(inCols) && lossyText(inCols[c]) {
					return fail(mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
						"COUNT(DISTINCT) over several shards of a FLOAT is not supported: its text does not tell values apart (0.33333334 and 0.33333331 are both 0.333333); restrict the shard key to one shard"))
				}
			}
		}
		sp := newAggSpec(g, inCols[g.Col])
		if g.Fn == AggGroupConcat {
			for _, k := range g.Concat.Keys {
				sp.concatKinds = append(sp.concatKinds, fieldKind(inCols[k]))
			}
		}
		switch {
		case g.Fn != AggAvg || g.ShapeCol == 0:
		case sp.mode == sumDouble:
			// The partial sum is printed whole (SUM(x) + 0e0): the
			// shard's AVG(x) has the answer's decimals and length.
			shape := inCols[g.ShapeCol]
			sp.out.ColumnLength, sp.out.Decimal, sp.outDec = shape.ColumnLength, shape.Decimal, int(shape.Decimal)
		default:
			// An exact AVG: its length, which the partial SUM's capped
			// precision does not tell.
			sp.out.ColumnLength = inCols[g.ShapeCol].ColumnLength
		}
		for _, c := range g.More {
			if c < 0 || c >= len(inCols) {
				return fail(fmt.Errorf("engine: aggregate column %d out of range (%d columns)", c, len(inCols)))
			}
			sp.moreKinds = append(sp.moreKinds, fieldKind(inCols[c]))
		}
		if g.Real {
			sp.out = &mysql.Field{Name: []byte(g.Name), Type: mysql.MYSQL_TYPE_DOUBLE, Charset: binaryCharset,
				ColumnLength: 23, Decimal: notFixedDec, Flag: mysql.BINARY_FLAG}
		}
		if g.ShardField && !g.Distinct && g.Fn != AggAvg && g.Fn != AggCountDistinct && inCols[g.Col] != nil {
			f := copyField(inCols[g.Col])
			f.Name = []byte(g.Name)
			sp.out = f
		}
		a.specs = append(a.specs, sp)
		a.fields = append(a.fields, sp.out)
	}
	return a
}

// sumMode is how partial sums add up.
type sumMode uint8

const (
	sumExact  sumMode = iota // DECIMAL and integer partial sums: exact
	sumDouble                // FLOAT/DOUBLE (and anything else): float64
)

type aggSpec struct {
	Agg
	kind      cmpKind   // MIN/MAX, COUNT(DISTINCT) comparisons
	moreKinds []cmpKind // COUNT(DISTINCT x, y, ...): y's and the others' comparisons
	// concatKinds: GROUP_CONCAT's sort keys' comparisons
	concatKinds []cmpKind
	mode        sumMode
	in          stype // input column type
	outDec      int   // SUM/AVG: output scale or double decimals
	isFloat     bool  // input is FLOAT: parse as float32
	out         *mysql.Field
}

func newAggSpec(g Agg, in *mysql.Field) *aggSpec {
	sp := &aggSpec{Agg: g, kind: fieldKind(in), in: colType(in)}
	if in != nil && in.Type == mysql.MYSQL_TYPE_FLOAT {
		sp.isFloat = true
	}
	name := []byte(g.Name)
	switch g.Fn {
	case AggCount, AggCountDistinct:
		sp.out = &mysql.Field{Name: name, Type: mysql.MYSQL_TYPE_LONGLONG, Charset: binaryCharset,
			ColumnLength: 21, Flag: mysql.NOT_NULL_FLAG | mysql.BINARY_FLAG}
	case AggBitOr, AggBitAnd, AggBitXor:
		// MariaDB 10.11's, unless the shards group as the statement does
		// (ShardField): a shard grouping by more columns, for a COUNT
		// (DISTINCT), sends it without BINARY.
		sp.out = &mysql.Field{Name: name, Type: mysql.MYSQL_TYPE_LONGLONG, Charset: binaryCharset,
			ColumnLength: 21, Flag: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG | mysql.BINARY_FLAG}
	case AggAny, AggGroupConcat:
		// GROUP_CONCAT: the shard's own of the same arguments, in the
		// same session, is described as one server's.
		f := copyField(in)
		f.Name = name
		sp.out = f
	case AggMin, AggMax:
		f := copyField(in)
		f.Name = name
		// What MariaDB sends for MIN/MAX whatever the shard's plan sent: a
		// numeric or temporal is BINARY (a YEAR loses ZEROFILL), a string
		// has 39 decimals, an ENUM or SET is a VARCHAR, a UUID or INET6
		// keeps 0 decimals.
		switch {
		case sp.in.cls != tStr:
			f.Flag |= mysql.BINARY_FLAG
		case f.Flag&(mysql.ENUM_FLAG|mysql.SET_FLAG) != 0:
			// ENUM and SET become a VARCHAR of their values.
			f.Type, f.Decimal = mysql.MYSQL_TYPE_VAR_STRING, 0
			f.Flag &^= mysql.ENUM_FLAG | mysql.SET_FLAG
		case f.Flag&mysql.UNSIGNED_FLAG != 0:
			// UUID and INET6 (a string type marked UNSIGNED) keep 0
			// decimals and lose BINARY (checked on MariaDB 10.11).
			f.Decimal = 0
			f.Flag &^= mysql.BINARY_FLAG
		default:
			f.Decimal = 39
		}
		if f.Type == mysql.MYSQL_TYPE_YEAR {
			f.Flag &^= mysql.ZEROFILL_FLAG
		}
		sp.out = f
	case AggSum, AggAvg:
		f := copyField(in)
		f.Name = name
		switch sp.in.cls {
		case tDec, tInt:
			sp.mode = sumExact
			sp.outDec = 0
			if sp.in.cls == tDec {
				sp.outDec = sp.in.scale
			}
			if g.Fn == AggAvg {
				sp.outDec = divScale(sp.outDec)
				f.Type, f.Decimal = mysql.MYSQL_TYPE_NEWDECIMAL, uint8(sp.outDec)
				f.ColumnLength = avgLength(f.ColumnLength, sp.in.scale)
				f.Flag &^= mysql.UNSIGNED_FLAG | mysql.ZEROFILL_FLAG
			}
		default:
			sp.mode = sumDouble
			sp.outDec = notFixedDec
			if sp.in.cls == tDouble {
				sp.outDec = sp.in.scale
			}
			if g.Fn == AggAvg && sp.outDec < notFixedDec {
				sp.outDec = min(sp.outDec+divPrecIncr, notFixedDec)
			}
			if sp.in.cls != tDouble {
				f.Charset, f.ColumnLength = binaryCharset, 23
				f.Flag = mysql.BINARY_FLAG
			}
			f.Type, f.Decimal = mysql.MYSQL_TYPE_DOUBLE, uint8(sp.outDec)
		}
		f.Flag |= mysql.BINARY_FLAG
		sp.out = f
	}
	return sp
}

// avgLength is the display length MariaDB gives AVG(x), from the length of
// the SUM(x) the shards answered: SUM adds DECIMAL_LONGLONG_DIGITS (22) to
// x's (signed) length, AVG adds div_precision_increment and, for an x
// without decimals, the decimal point (checked on MariaDB 10.11: AVG of
// DECIMAL(12,2) 18, of INT 16, of INT UNSIGNED 16, of TINYINT 9). A SUM at
// the longest decimal (67) hides x's length: AVG is then given the same.
func avgLength(sumLength uint32, sumScale int) uint32 {
	const longlongDigits, maxDecimalLength = 22, 67
	if sumLength >= maxDecimalLength || sumLength < longlongDigits {
		return min(sumLength, maxDecimalLength)
	}
	l := sumLength - longlongDigits + divPrecIncr
	if sumScale == 0 {
		l++
	}
	return l
}

func copyField(f *mysql.Field) *mysql.Field {
	if f == nil {
		return &mysql.Field{Type: mysql.MYSQL_TYPE_NULL, Charset: binaryCharset}
	}
	c := *f
	return &c
}

// aggAcc accumulates one aggregate of one group.
type aggAcc struct {
	count  int64
	has    bool
	exact  decimal // sumExact
	fsum   float64 // sumDouble
	best   []byte  // MIN/MAX
	bits   uint64  // BIT_OR, BIT_AND, BIT_XOR
	concat *gcAcc  // GROUP_CONCAT
	seen   map[string]struct{}
}

// firstSeen records key among the distinct values met; false if it was.
func (acc *aggAcc) firstSeen(key []byte) bool {
	if _, dup := acc.seen[string(key)]; dup {
		return false
	}
	if acc.seen == nil {
		acc.seen = map[string]struct{}{}
	}
	acc.seen[string(key)] = struct{}{}
	return true
}

type aggGroup struct {
	key  Row
	accs []aggAcc
}

type aggRows struct {
	in      Rows
	groupBy []int
	gkinds  []cmpKind
	specs   []*aggSpec
	fields  []*mysql.Field
	groups  map[string]int
	list    []*aggGroup
	rep     int // the spec whose lowest value picks a group's values; -1: the first row's
	loaded  bool
	i       int
	err     error
}

func (a *aggRows) Columns() []*mysql.Field { return a.fields }

func (a *aggRows) Close() { a.in.Close() }

func (a *aggRows) Next() (Row, error) {
	if a.err != nil {
		return nil, a.err
	}
	if !a.loaded {
		if err := a.load(); err != nil {
			a.err = err
			return nil, err
		}
		a.loaded = true
		if len(a.list) == 0 && len(a.groupBy) == 0 {
			a.list = append(a.list, &aggGroup{accs: make([]aggAcc, len(a.specs))})
		}
	}
	if a.i >= len(a.list) {
		a.list = nil
		return nil, io.EOF
	}
	g := a.list[a.i]
	a.list[a.i] = nil
	a.i++
	out := make(Row, 0, len(a.fields))
	out = append(out, g.key...)
	for j, sp := range a.specs {
		if sp.Fn == AggGroupConcat {
			v, err := sp.concatResult(&g.accs[j])
			if err != nil {
				a.err = err
				return nil, err
			}
			out = append(out, v)
			continue
		}
		out = append(out, sp.result(&g.accs[j]))
	}
	return out, nil
}

func (a *aggRows) load() error {
	defer a.in.Close()
	var key []byte
	for {
		r, err := a.in.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		key, err = appendRowKey(key[:0], r, a.groupBy, a.gkinds)
		if err != nil {
			return err
		}
		gi, ok := a.groups[string(key)]
		if !ok {
			g := &aggGroup{key: make(Row, len(a.groupBy)), accs: make([]aggAcc, len(a.specs))}
			for j, c := range a.groupBy {
				g.key[j] = r[c]
			}
			gi = len(a.list)
			a.groups[string(key)] = gi
			a.list = append(a.list, g)
		}
		g := a.list[gi]
		if ok && a.rep >= 0 && a.specs[a.rep].lowers(&g.accs[a.rep], r) {
			for j, c := range a.groupBy {
				g.key[j] = r[c]
			}
			for j, sp := range a.specs {
				if sp.Fn == AggAny {
					g.accs[j].best = r[sp.Col]
				}
			}
		}
		for j, sp := range a.specs {
			if err := sp.add(&g.accs[j], r); err != nil {
				return err
			}
		}
	}
}

// lowers tells whether r's value of a MIN is below the group's so far.
func (sp *aggSpec) lowers(acc *aggAcc, r Row) bool {
	if sp.Col >= len(r) || r[sp.Col] == nil {
		return false
	}
	return !acc.has || compareValues(sp.kind, r[sp.Col], acc.best) < 0
}

func cell(r Row, c int) ([]byte, error) {
	if c >= len(r) {
		return nil, fmt.Errorf("engine: aggregate column %d out of range (row has %d values)", c, len(r))
	}
	return r[c], nil
}

func parseCount(b []byte) (int64, error) {
	if b == nil {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("engine: bad partial count %q", b)
	}
	return n, nil
}

func (sp *aggSpec) add(acc *aggAcc, r Row) error {
	v, err := cell(r, sp.Col)
	if err != nil {
		return err
	}
	switch sp.Fn {
	case AggCount:
		n, err := parseCount(v)
		if err != nil {
			return err
		}
		acc.count += n
	case AggCountDistinct:
		if v == nil {
			return nil
		}
		if acc.seen == nil {
			acc.seen = map[string]struct{}{}
		}
		key := appendKey(nil, sp.kind, v)
		if len(sp.More) > 0 {
			// A tuple: each value's key behind its length, so that the
			// tuple's key is unambiguous whatever the values.
			key = binary.AppendUvarint(nil, uint64(len(key)))
			key = appendKey(key, sp.kind, v)
			for i, c := range sp.More {
				w, err := cell(r, c)
				if err != nil || w == nil {
					return err
				}
				k := appendKey(nil, sp.moreKinds[i], w)
				key = append(binary.AppendUvarint(key, uint64(len(k))), k...)
			}
		}
		acc.seen[string(key)] = struct{}{}
	case AggAny:
		if !acc.has {
			acc.best, acc.has = v, true
		}
	case AggMin, AggMax:
		if v == nil {
			return nil
		}
		if !acc.has {
			acc.best, acc.has = v, true
			return nil
		}
		c := compareValues(sp.kind, v, acc.best)
		if (sp.Fn == AggMin && c < 0) || (sp.Fn == AggMax && c > 0) {
			acc.best = v
		}
	case AggBitOr, AggBitAnd, AggBitXor:
		return sp.addBits(acc, v)
	case AggGroupConcat:
		return sp.addPiece(acc, r)
	case AggSum, AggAvg:
		if sp.Distinct {
			if v == nil || !acc.firstSeen(appendKey(nil, sp.kind, v)) {
				return nil
			}
			if sp.Fn == AggAvg {
				acc.count++
			}
		} else if sp.Fn == AggAvg {
			cb, err := cell(r, sp.CountCol)
			if err != nil {
				return err
			}
			n, err := parseCount(cb)
			if err != nil {
				return err
			}
			acc.count += n
		}
		if v == nil {
			return nil
		}
		if sp.mode == sumExact {
			d := toDec(colValue(v, sp.in))
			if !acc.has {
				acc.exact = decimal{v: new(big.Int), scale: d.scale}
			}
			acc.exact = decAdd(acc.exact, d)
		} else {
			acc.fsum += toDouble(toNumeric(colValue(v, sp.in), sp.in))
		}
		acc.has = true
	}
	return nil
}

func (sp *aggSpec) result(acc *aggAcc) []byte {
	switch sp.Fn {
	case AggCount:
		return strconv.AppendInt(nil, acc.count, 10)
	case AggCountDistinct:
		return strconv.AppendInt(nil, int64(len(acc.seen)), 10)
	case AggMin, AggMax, AggAny:
		if !acc.has {
			return nil
		}
		return acc.best
	case AggBitOr, AggBitAnd, AggBitXor:
		if !acc.has && sp.Fn == AggBitAnd {
			return strconv.AppendUint(nil, math.MaxUint64, 10)
		}
		return strconv.AppendUint(nil, acc.bits, 10)
	case AggSum:
		if !acc.has {
			return nil
		}
		if sp.mode == sumExact {
			return []byte(acc.exact.format(sp.outDec))
		}
		return doubleCell(acc.fsum, sp.outDec)
	case AggAvg:
		if !acc.has || acc.count == 0 {
			return nil
		}
		if sp.Real {
			sum := acc.fsum
			if sp.mode == sumExact {
				sum = acc.exact.float64()
			}
			return strconv.AppendFloat(nil, sum/float64(acc.count), 'g', -1, 64)
		}
		if sp.mode == sumExact {
			sum := acc.exact
			if sp.in.cls == tDec {
				sum = sum.rescale(sp.in.scale)
			} else {
				sum = sum.rescale(0)
			}
			q, ok := decDiv(sum, decFromInt64(acc.count))
			if !ok {
				return nil
			}
			// All the quotient's digits: expressions over the AVG use
			// them, as in MariaDB (AVG(d) * 100 is not the printed
			// AVG times 100); Compute prints it at its scale.
			return []byte(q.String())
		}
		return doubleCell(acc.fsum/float64(acc.count), sp.outDec)
	}
	return nil
}

// doubleCell is a merged SUM or AVG of doubles; an overflow is kept as
// infinity, which an expression over it fails on as MariaDB's does
// (1690) and the client sees as MariaDB prints it (displayCell).
func doubleCell(f float64, dec int) []byte {
	if math.IsInf(f, 0) {
		return strconv.AppendFloat(nil, f, 'g', -1, 64)
	}
	return []byte(formatDouble(f, dec))
}

// addBits combines a shard's BIT_OR, BIT_AND or BIT_XOR of a group.
func (sp *aggSpec) addBits(acc *aggAcc, v []byte) error {
	if v == nil {
		return fmt.Errorf("engine: a shard's %s is NULL", sp.Fn)
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return fmt.Errorf("engine: bad partial %s %q", sp.Fn, v)
	}
	switch {
	case !acc.has:
		acc.bits, acc.has = n, true
	case sp.Fn == AggBitOr:
		acc.bits |= n
	case sp.Fn == AggBitAnd:
		acc.bits &= n
	default:
		acc.bits ^= n
	}
	return nil
}
