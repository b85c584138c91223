package engine

import (
	"container/heap"
	"fmt"
	"io"
	"sort"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// SortKey orders by column Col, descending if Desc.
type SortKey struct {
	Col  int
	Desc bool
	// Loose: the key stands in for a scan order that no SQL promises (a
	// table's primary key without ORDER BY): text the merge cannot
	// compare exactly is ordered as best it can, not refused.
	Loose bool
}

// rowComparator compares rows by sort keys under the comparison rules.
type rowComparator struct {
	keys  []SortKey
	kinds []cmpKind
}

func newRowComparator(cols []*mysql.Field, keys []SortKey) (*rowComparator, error) {
	rc := &rowComparator{keys: append([]SortKey(nil), keys...), kinds: make([]cmpKind, len(keys))}
	for i, k := range keys {
		if k.Col < 0 || k.Col >= len(cols) {
			return nil, fmt.Errorf("engine: sort key column %d out of range (%d columns)", k.Col, len(cols))
		}
		kind, err := keyKind(cols[k.Col])
		if err != nil && !k.Loose {
			return nil, err
		}
		rc.kinds[i] = kind
	}
	return rc, nil
}

func (rc *rowComparator) check(r Row) error {
	for _, k := range rc.keys {
		if k.Col >= len(r) {
			return fmt.Errorf("engine: sort key column %d out of range (row has %d values)", k.Col, len(r))
		}
	}
	return nil
}

func (rc *rowComparator) compare(a, b Row) int {
	for i, k := range rc.keys {
		c := compareNullable(rc.kinds[i], a[k.Col], b[k.Col])
		if c != 0 {
			if k.Desc {
				return -c
			}
			return c
		}
	}
	return 0
}

// ---------------------------------------------------------------- Sort

// Sort buffers its input and returns it stably sorted by keys.
func Sort(in Rows, keys []SortKey) Rows {
	if BuildError(in) != nil {
		return in
	}
	rc, err := newRowComparator(in.Columns(), keys)
	if err != nil {
		return &closingErrRows{errRows{cols: in.Columns(), err: err}, in}
	}
	return &sortRows{in: in, rc: rc}
}

type sortRows struct {
	in     Rows
	rc     *rowComparator
	rows   []Row
	i      int
	loaded bool
}

func (s *sortRows) Columns() []*mysql.Field { return s.in.Columns() }

func (s *sortRows) Next() (Row, error) {
	if !s.loaded {
		for {
			r, err := s.in.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			if err := s.rc.check(r); err != nil {
				return nil, err
			}
			s.rows = append(s.rows, r)
		}
		s.in.Close()
		s.loaded = true
		sort.SliceStable(s.rows, func(i, j int) bool { return s.rc.compare(s.rows[i], s.rows[j]) < 0 })
	}
	if s.i >= len(s.rows) {
		s.rows = nil
		return nil, io.EOF
	}
	r := s.rows[s.i]
	s.rows[s.i] = nil
	s.i++
	return r, nil
}

func (s *sortRows) Close() { s.in.Close() }

// ---------------------------------------------------------------- MergeSort

// MergeSort merges inputs that are each already sorted by keys (k-way merge
// with a heap). Rows with equal keys come out in input order (input 0 first),
// and in their input's order. Only one row per input is held at a time; an
// input is closed as soon as it is exhausted. Columns are those of inputs[0].
func MergeSort(inputs []Rows, keys []SortKey) Rows {
	var cols []*mysql.Field
	if len(inputs) > 0 {
		cols = inputs[0].Columns()
	}
	rc, err := newRowComparator(cols, keys)
	if err != nil {
		// Reported before the merge sends anything (BuildError).
		return &closingErrRows{errRows{cols: cols, err: err}, Concat(inputs)}
	}
	m := &mergeRows{inputs: append([]Rows(nil), inputs...), cols: cols}
	m.h.rc = rc
	return m
}

type mergeItem struct {
	row Row
	src int
}

type mergeHeap struct {
	items []mergeItem
	rc    *rowComparator
}

func (h *mergeHeap) Len() int { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool {
	c := h.rc.compare(h.items[i].row, h.items[j].row)
	if c != 0 {
		return c < 0
	}
	return h.items[i].src < h.items[j].src
}
func (h *mergeHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)    { h.items = append(h.items, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}

type mergeRows struct {
	inputs  []Rows
	cols    []*mysql.Field
	h       mergeHeap
	started bool
	pending int // input whose next row must be pulled before the next pop, or -1
	err     error
}

func (m *mergeRows) Columns() []*mysql.Field { return m.cols }

// pull reads the next row of input i into the heap.
func (m *mergeRows) pull(i int) error {
	in := m.inputs[i]
	if in == nil {
		return nil
	}
	r, err := in.Next()
	if err == io.EOF {
		in.Close()
		m.inputs[i] = nil
		return nil
	}
	if err != nil {
		return err
	}
	if err := m.h.rc.check(r); err != nil {
		return err
	}
	heap.Push(&m.h, mergeItem{row: r, src: i})
	return nil
}

func (m *mergeRows) Next() (Row, error) {
	if m.err != nil {
		return nil, m.err
	}
	if !m.started {
		m.started = true
		m.pending = -1
		for i := range m.inputs {
			if err := m.pull(i); err != nil {
				m.err = err
				return nil, err
			}
		}
	} else if m.pending >= 0 {
		i := m.pending
		m.pending = -1
		if err := m.pull(i); err != nil {
			m.err = err
			return nil, err
		}
	}
	if m.h.Len() == 0 {
		return nil, io.EOF
	}
	it := heap.Pop(&m.h).(mergeItem)
	// The replacement row of this input is pulled lazily, on the next call.
	m.pending = it.src
	return it.row, nil
}

func (m *mergeRows) Close() {
	for i, in := range m.inputs {
		if in != nil {
			in.Close()
			m.inputs[i] = nil
		}
	}
	m.h.items = nil
}

// ---------------------------------------------------------------- SortOrder

// SortOrder returns the positions of rows stably sorted by keys: for rows
// the caller keeps in another form (packets it relays as they came).
func SortOrder(cols []*mysql.Field, rows []Row, keys []SortKey) ([]int, error) {
	rc, err := newRowComparator(cols, keys)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(rows))
	for i, r := range rows {
		if err := rc.check(r); err != nil {
			return nil, err
		}
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return rc.compare(rows[order[i]], rows[order[j]]) < 0 })
	return order, nil
}
