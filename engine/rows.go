package engine

import (
	"fmt"
	"io"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Row is one result row as the text protocol carries it: Row[i] == nil is
// NULL, else the value's text bytes.
type Row [][]byte

// Rows is a pull iterator over a result set.
type Rows interface {
	// Columns returns the column metadata; callers must not modify it.
	Columns() []*mysql.Field
	// Next returns the next row, or io.EOF when there are no more rows.
	Next() (Row, error)
	// Close releases the input; it may be called more than once and before
	// the end of the rows.
	Close()
}

// FromSlice returns Rows over an in-memory result.
func FromSlice(cols []*mysql.Field, rows []Row) Rows {
	return &sliceRows{cols: cols, rows: rows}
}

type sliceRows struct {
	cols   []*mysql.Field
	rows   []Row
	i      int
	closed bool
}

func (s *sliceRows) Columns() []*mysql.Field { return s.cols }

func (s *sliceRows) Next() (Row, error) {
	if s.closed || s.i >= len(s.rows) {
		return nil, io.EOF
	}
	r := s.rows[s.i]
	s.i++
	return r, nil
}

func (s *sliceRows) Close() { s.closed = true }

// Collect drains in into a slice and closes it.
func Collect(in Rows) ([]Row, error) {
	defer in.Close()
	var out []Row
	for {
		r, err := in.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

// errRows is a Rows that fails on Next.
type errRows struct {
	cols []*mysql.Field
	err  error
}

func (e *errRows) Columns() []*mysql.Field { return e.cols }
func (e *errRows) Next() (Row, error)      { return nil, e.err }
func (e *errRows) Close()                  {}

// BuildError is the error of an operator that could not be built (an
// expression its input's columns cannot type), nil for any other: the
// caller answers it before sending a result set.
func BuildError(r Rows) error {
	switch x := r.(type) {
	case *errRows:
		return x.err
	case *closingErrRows:
		return x.err
	}
	return nil
}

// ---------------------------------------------------------------- Concat

// Concat returns all rows of inputs[0], then inputs[1], ... Each input is
// closed as soon as it is exhausted. Columns are those of inputs[0].
func Concat(inputs []Rows) Rows {
	return &concatRows{inputs: append([]Rows(nil), inputs...)}
}

type concatRows struct {
	inputs []Rows
	cur    int
}

func (c *concatRows) Columns() []*mysql.Field {
	if len(c.inputs) == 0 || c.inputs[0] == nil {
		return nil
	}
	return c.inputs[0].Columns()
}

func (c *concatRows) Next() (Row, error) {
	for c.cur < len(c.inputs) {
		in := c.inputs[c.cur]
		if in == nil {
			c.cur++
			continue
		}
		r, err := in.Next()
		if err == io.EOF {
			in.Close()
			c.cur++
			continue
		}
		return r, err
	}
	return nil, io.EOF
}

func (c *concatRows) Close() {
	for ; c.cur < len(c.inputs); c.cur++ {
		if c.inputs[c.cur] != nil {
			c.inputs[c.cur].Close()
		}
	}
}

// ---------------------------------------------------------------- Limit

// Limit skips offset rows then returns at most count rows (count < 0: no
// limit). Once the last row has been returned it stops pulling and closes its
// input.
func Limit(in Rows, offset, count int64) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	if offset < 0 {
		offset = 0
	}
	return &limitRows{in: in, offset: offset, count: count}
}

type limitRows struct {
	in      Rows
	offset  int64
	count   int64
	emitted int64
	done    bool
}

func (l *limitRows) Columns() []*mysql.Field { return l.in.Columns() }

func (l *limitRows) finish() {
	if !l.done {
		l.done = true
		l.in.Close()
	}
}

func (l *limitRows) Next() (Row, error) {
	if l.done {
		return nil, io.EOF
	}
	if l.count == 0 {
		l.finish()
		return nil, io.EOF
	}
	for l.offset > 0 {
		_, err := l.in.Next()
		if err == io.EOF {
			l.finish()
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		l.offset--
	}
	r, err := l.in.Next()
	if err == io.EOF {
		l.finish()
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	l.emitted++
	if l.count > 0 && l.emitted >= l.count {
		l.finish()
	}
	return r, nil
}

func (l *limitRows) Close() { l.finish() }

// ---------------------------------------------------------------- Project

// Project keeps and reorders columns: output column j is input column cols[j].
func Project(in Rows, cols []int) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	inCols := in.Columns()
	out := make([]*mysql.Field, len(cols))
	for j, c := range cols {
		if c < 0 || c >= len(inCols) {
			return &closingErrRows{errRows{cols: nil, err: fmt.Errorf("engine: project column %d out of range (%d columns)", c, len(inCols))}, in}
		}
		out[j] = inCols[c]
	}
	return &projectRows{in: in, cols: append([]int(nil), cols...), fields: out}
}

type closingErrRows struct {
	errRows
	in Rows
}

func (c *closingErrRows) Close() { c.in.Close() }

type projectRows struct {
	in     Rows
	cols   []int
	fields []*mysql.Field
}

func (p *projectRows) Columns() []*mysql.Field { return p.fields }

func (p *projectRows) Next() (Row, error) {
	r, err := p.in.Next()
	if err != nil {
		return nil, err
	}
	out := make(Row, len(p.cols))
	for j, c := range p.cols {
		if c >= len(r) {
			return nil, fmt.Errorf("engine: project column %d out of range (row has %d values)", c, len(r))
		}
		out[j] = r[c]
	}
	return out, nil
}

func (p *projectRows) Close() { p.in.Close() }

// ---------------------------------------------------------------- Distinct

// Distinct drops every row whose cols are equal, under the comparison rules,
// to those of an earlier row, keeping the first. Empty cols means all columns.
func Distinct(in Rows, cols []int) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	fields := in.Columns()
	if len(cols) == 0 {
		cols = make([]int, len(fields))
		for i := range cols {
			cols[i] = i
		}
	}
	kinds := make([]cmpKind, len(cols))
	for j, c := range cols {
		if c < 0 || c >= len(fields) {
			return &closingErrRows{errRows{cols: fields, err: fmt.Errorf("engine: distinct column %d out of range (%d columns)", c, len(fields))}, in}
		}
		k, err := keyKind(fields[c])
		if err != nil {
			return &closingErrRows{errRows{cols: fields, err: err}, in}
		}
		kinds[j] = k
	}
	return &distinctRows{in: in, cols: append([]int(nil), cols...), kinds: kinds, seen: map[string]struct{}{}}
}

type distinctRows struct {
	in    Rows
	cols  []int
	kinds []cmpKind
	seen  map[string]struct{}
	buf   []byte
}

func (d *distinctRows) Columns() []*mysql.Field { return d.in.Columns() }

func (d *distinctRows) Next() (Row, error) {
	for {
		r, err := d.in.Next()
		if err != nil {
			return nil, err
		}
		d.buf, err = appendRowKey(d.buf[:0], r, d.cols, d.kinds)
		if err != nil {
			return nil, err
		}
		if _, dup := d.seen[string(d.buf)]; dup {
			continue
		}
		d.seen[string(d.buf)] = struct{}{}
		return r, nil
	}
}

func (d *distinctRows) Close() { d.in.Close() }

// appendRowKey appends the canonical grouping key of r's cols.
func appendRowKey(dst []byte, r Row, cols []int, kinds []cmpKind) ([]byte, error) {
	for j, c := range cols {
		if c >= len(r) {
			return dst, fmt.Errorf("engine: column %d out of range (row has %d values)", c, len(r))
		}
		v := r[c]
		if v == nil {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		start := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = appendKey(dst, kinds[j], v)
		n := len(dst) - start - 4
		dst[start], dst[start+1], dst[start+2], dst[start+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	}
	return dst, nil
}

// ---------------------------------------------------------------- Filter

// Filter keeps the rows for which pred is true (not NULL and not zero), as
// HAVING does; what evaluating pred raises goes to w (nil: nowhere).
func Filter(in Rows, pred Expr, w *Warnings) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	b, err := bindExpr(pred, binder{cols: in.Columns(), warn: w})
	if err != nil {
		return &closingErrRows{errRows{cols: in.Columns(), err: err}, in}
	}
	return &filterRows{in: in, pred: b}
}

type filterRows struct {
	in   Rows
	pred bound
}

func (f *filterRows) Columns() []*mysql.Field { return f.in.Columns() }

func (f *filterRows) Next() (Row, error) {
	for {
		r, err := f.in.Next()
		if err != nil {
			return nil, err
		}
		v, err := f.pred.eval(r)
		if err != nil {
			return nil, err
		}
		t, null := truth(v, f.pred.st())
		if !null && t {
			return r, nil
		}
	}
}

func (f *filterRows) Close() { f.in.Close() }

// ---------------------------------------------------------------- Compute

// WarnWhen says when Compute reports the warnings an output's evaluation
// raises, as MariaDB counts them: a server evaluates a sort key or a
// DISTINCT column for every row, and the other select-list items for the
// rows it sends only (checked on 10.11: SELECT SUM(b)/0 ... GROUP BY c
// LIMIT 1 warns once, ... ORDER BY 2 twice per group).
type WarnWhen uint8

const (
	// WarnNow reports them as the row is computed.
	WarnNow WarnWhen = 1 << iota
	// WarnSent reports them when the row is sent: Compute keeps their
	// count in a trailing column, which SentWarnings reads and drops.
	WarnSent
)

// Compute outputs one column per expression, evaluated over each input row;
// names[i] (if present) names output column i. Column metadata is given by
// ResultField. The warnings of exprs[i] go to w when[i] says (nil when:
// all now); with any WarnSent, a trailing column counts a row's.
func Compute(in Rows, exprs []Expr, names []string, w *Warnings, when []WarnWhen) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	inCols := in.Columns()
	c := &computeRows{in: in, exprs: make([]bound, len(exprs)), fields: make([]*mysql.Field, len(exprs)), w: w}
	for i, e := range exprs {
		bd := binder{cols: inCols, warn: w}
		if i < len(when) && when[i] != WarnNow {
			// Counted per evaluation, then passed on as when[i] says.
			if c.own == nil {
				c.own, c.when = make([]Warnings, len(exprs)), when
			}
			bd.warn = &c.own[i]
		}
		b, err := bindExpr(e, bd)
		if err != nil {
			return &closingErrRows{errRows{err: err}, in}
		}
		c.exprs[i] = b
		name := ""
		if i < len(names) {
			name = names[i]
		}
		c.fields[i] = resultField(b, inCols, name)
	}
	for _, wh := range when {
		if wh&WarnSent != 0 {
			c.sent = true
			c.fields = append(c.fields, &mysql.Field{Name: []byte("warnings"), Type: mysql.MYSQL_TYPE_LONGLONG, Charset: binaryCharset})
			break
		}
	}
	return c
}

type computeRows struct {
	in     Rows
	exprs  []bound
	fields []*mysql.Field
	w      *Warnings
	own    []Warnings // per output whose warnings are not all reported now
	when   []WarnWhen
	sent   bool // a trailing column counts the warnings reported when sent
}

func (c *computeRows) Columns() []*mysql.Field { return c.fields }

func (c *computeRows) Next() (Row, error) {
	r, err := c.in.Next()
	if err != nil {
		return nil, err
	}
	out := make(Row, len(c.fields))
	for i, e := range c.exprs {
		if col, ok := e.(*boundCol); ok {
			if col.i >= len(r) {
				return nil, fmt.Errorf("engine: column %d out of range (row has %d values)", col.i, len(r))
			}
			out[i] = displayCell(r[col.i], col.t)
			continue
		}
		if n, ok := e.(*boundIfNull); ok {
			// The aggregate's own text, as MariaDB sends it.
			if out[i], err = n.cell(r); err != nil {
				return nil, err
			}
			continue
		}
		v, err := e.eval(r)
		if err != nil {
			return nil, err
		}
		out[i] = formatValue(v, e.st())
	}
	if c.own != nil {
		var later uint64
		for i := range c.own {
			n := c.own[i].divByZero
			c.own[i].divByZero = 0
			if c.when[i]&WarnNow != 0 {
				c.w.add(n)
			}
			if c.when[i]&WarnSent != 0 {
				later += n
			}
		}
		if c.sent {
			out[len(c.exprs)] = strconv.AppendUint(nil, later, 10)
		}
	} else if c.sent {
		out[len(c.exprs)] = []byte("0")
	}
	return out, nil
}

func (c *computeRows) Close() { c.in.Close() }

// SentWarnings reports to w, for each row it passes on, the warnings
// counted in the trailing column Compute added (WarnSent), and drops that
// column.
func SentWarnings(in Rows, w *Warnings) Rows {
	if BuildError(in) != nil {
		return in // the failure of the operator below
	}
	cols := in.Columns()
	if len(cols) == 0 {
		return in
	}
	return &sentWarnings{in: in, w: w, fields: cols[:len(cols)-1]}
}

type sentWarnings struct {
	in     Rows
	w      *Warnings
	fields []*mysql.Field
}

func (s *sentWarnings) Columns() []*mysql.Field { return s.fields }

func (s *sentWarnings) Next() (Row, error) {
	r, err := s.in.Next()
	if err != nil || len(r) == 0 {
		return r, err
	}
	n, _ := strconv.ParseUint(string(r[len(r)-1]), 10, 64)
	s.w.add(n)
	return r[:len(r)-1], nil
}

func (s *sentWarnings) Close() { s.in.Close() }
