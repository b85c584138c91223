package integration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// diffSchemas is the sharding of the differential tables, shared by
// TestDifferential (the proxy's config) and TestDifferentialRoutes (the
// router alone), so both plan the same statements against the same rules.
const diffSchemas = `
- name: shop
  default_shard: s0
  tables:
    - {name: customers, shard_key: cust_id, algorithm: hash}
    - {name: orders, shard_key: cust_id, algorithm: hash}
    - {name: items, shard_key: item_id, algorithm: mod}
    - name: events
      shard_key: id
      algorithm: range
      ranges: [{shard: s0, below: 100}, {shard: s1, below: 200}, {shard: s2}]
    - {name: regions, broadcast: true}
    - {name: payments, shard_key: pay_cust, algorithm: hash}
    - {name: tickets, shard_key: ticket_id, algorithm: mod}
`

// TestDifferential compares xaproxy over three MariaDB shards with one
// MariaDB holding all the rows (the reference): the same data is loaded into
// both, then several hundred generated SELECTs (filters, ORDER BY, LIMIT,
// aggregates, GROUP BY, HAVING, DISTINCT, COUNT(DISTINCT), co-located and
// broadcast joins, point and unsharded queries) must give the same columns
// and rows; statements the proxy cannot answer exactly must be refused with
// error 1235; writes must affect the same rows.
//
// The seeds are logged; XAPROXY_DIFF_SEED=N reruns with another data and
// query seed, XAPROXY_DIFF_VERBOSE=1 logs every statement.
func TestDifferential(t *testing.T) {
	t.Parallel()
	start := time.Now()
	seed := uint64(20240611)
	if s := os.Getenv("XAPROXY_DIFF_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("XAPROXY_DIFF_SEED=%q: %v", s, err)
		}
		seed = n
	}
	verbose := os.Getenv("XAPROXY_DIFF_VERBOSE") != ""
	fmt.Printf("differential: seed %d (data and queries; rerun with XAPROXY_DIFF_SEED=%d)\n", seed, seed)
	t.Logf("differential: seed %d", seed)
	st := &diffStats{t: t, verbose: verbose, kinds: map[string]*kindStats{}}
	var summary string
	// Registered first, so it runs last: after the harness printed the
	// server logs of a failed test, the summary is still the last thing
	// on stdout.
	t.Cleanup(func() {
		if summary == "" {
			return
		}
		for _, m := range st.mismatchText {
			fmt.Printf("differential: MISMATCH %s\n", firstLines(m, 3, 300))
		}
		fmt.Printf("differential: seed %d\n%s\n", seed, summary)
	})

	// Three shards, a reference server, the proxy.
	shardSrv, ref, p := startThreeShards(t, diffSchemas)
	t.Logf("differential: servers up in %s", time.Since(start).Round(time.Millisecond))

	dbs := diffDBs{
		proxy: [2]*sql.DB{p.DB(t, appUser, appPass, "shop", ""), p.DB(t, appUser, appPass, "shop", "interpolateParams=true")},
		ref:   [2]*sql.DB{openDiffDB(t, ref.DSN("shop")), openDiffDB(t, ref.DSN("shop")+"?interpolateParams=true")},
	}
	var shards []*sql.DB
	for _, m := range shardSrv {
		shards = append(shards, m.DB(t, "shop"))
	}

	// Schema and data: DDL through the proxy creates the tables on the
	// shards; the same statements run on the reference.
	data := genDiffData(seed)
	for _, tb := range data.tables {
		mustExec(t, dbs.proxy[1], tb.ddl)
		mustExec(t, dbs.ref[1], tb.ddl)
	}
	nrows := 0
	for _, tb := range data.tables {
		// One check per table: the rows affected the proxy reports for
		// the load's INSERTs.
		var pn, rn int64
		var first string
		for _, ins := range tb.insertSQL(40) {
			pr := mustExec(t, dbs.proxy[1], ins)
			rr := mustExec(t, dbs.ref[1], ins)
			a, _ := pr.RowsAffected()
			b, _ := rr.RowsAffected()
			if a != b && first == "" {
				first = ins
			}
			pn, rn = pn+a, rn+b
		}
		st.ran++
		if pn != rn {
			st.fail("load of %s: %d INSERTs, rows affected: expected %d, got %d; the first one differing: %.200s...",
				tb.name, len(tb.insertSQL(40)), rn, pn, first)
		} else {
			st.matched++
		}
		nrows += len(tb.rows)
	}
	t.Logf("differential: loaded %d rows in %d tables (%s since start)", nrows, len(data.tables), time.Since(start).Round(time.Millisecond))

	st.placement(shards, dbs.ref[1], data, "after load")

	// Full dumps and fixed probes in both modes, then generated SELECTs
	// alternating between server-side prepared statements (binary
	// protocol) and interpolated text queries.
	gen := newDiffGen(data, seed)
	for _, dq := range append(gen.dumps(), gen.probes()...) {
		st.compare(dbs, dq, true)
		st.compare(dbs, dq, false)
	}
	var queries []diffQuery
	for len(queries) < 560 {
		queries = append(queries, gen.next())
	}
	for i, dq := range queries {
		st.compare(dbs, dq, i%2 == 0)
	}
	// Key forms (differential_keys.go), from a generator of their own.
	kgen := newDiffGen(data, seed^0x6b657973)
	keyQueries := []diffQuery{{kind: "count distinct twice", sql: "SELECT COUNT(DISTINCT status), COUNT(DISTINCT qty) FROM orders", ordered: true, ci: true}}
	for len(keyQueries) < 220 {
		keyQueries = append(keyQueries, kgen.keyForm())
	}
	for i, dq := range keyQueries {
		st.compare(dbs, dq, i%2 == 0)
	}
	// Subqueries and derived tables, from a generator of their own so that
	// the queries above stay what they were for a seed.
	ngen := newDiffGen(data, seed+1)
	nested := ngen.nestedProbes()
	for len(nested) < 160 {
		nested = append(nested, ngen.nested())
	}
	for i, dq := range nested {
		st.compare(dbs, dq, i%2 == 0)
	}
	t.Logf("differential: dumps, probes and %d generated SELECTs compared (%s since start)", len(queries)+len(keyQueries)+len(nested), time.Since(start).Round(time.Millisecond))
	st.catalogForms(dbs, gen, p.AdminAddr())

	// Writes through the proxy and on the reference, then compare again.
	for i, w := range append(append(diffWrites(data), keyWrites(data)...), catalogWrites(data)...) {
		st.write(dbs, w, i%2 == 0)
	}
	st.placement(shards, dbs.ref[1], data, "after writes")
	again := gen.dumps()
	for len(again) < len(data.tables)+80 {
		again = append(again, gen.next())
	}
	for i := 0; i < 40; i++ {
		again = append(again, kgen.keyForm())
	}
	for i, dq := range again {
		st.compare(dbs, dq, i%2 == 1)
	}

	// Statements that must be refused with 1235.
	for i, rq := range append(diffRefused(data), keyRefusals(data)...) {
		st.refused(dbs, rq, i%2 == 0)
	}

	st.report()
	summary = fmt.Sprintf("differential: %d queries ran, %d matched, %d refused as expected, %d float-order mismatches, %d mismatches",
		st.ran, st.matched, st.refusedOK, st.floatOrder, st.mismatches)
	t.Log(summary)
	fmt.Println(summary)
	t.Logf("differential: done in %s", time.Since(start).Round(time.Millisecond))
	if st.mismatches > 0 {
		t.Errorf("%d mismatches between xaproxy and the reference MariaDB (see above)", st.mismatches)
	}
	if st.matched < 300 {
		t.Errorf("only %d queries matched, want at least 300", st.matched)
	}
}

// firstLines keeps the first n lines of s, each cut to width bytes.
func firstLines(s string, n, width int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "    ...")
	}
	for i, l := range lines {
		if len(l) > width {
			lines[i] = l[:width] + "..."
		}
	}
	return strings.Join(lines, "\n")
}

func openDiffDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// diffDBs: index 0 runs server-side prepared statements, 1 interpolates
// arguments (text protocol).
type diffDBs struct {
	proxy, ref [2]*sql.DB
}

func modeIndex(prepared bool) int {
	if prepared {
		return 0
	}
	return 1
}

func modeName(prepared bool) string {
	if prepared {
		return "prepared"
	}
	return "interpolated"
}

// ---------------------------------------------------------------- results

type cell struct {
	s    string
	null bool
}

func (c cell) String() string {
	if c.null {
		return "NULL"
	}
	return strconv.Quote(c.s)
}

type qresult struct {
	cols  []string
	types []string
	rows  [][]cell
	err   error
}

func fmtRow(r []cell) string {
	parts := make([]string, len(r))
	for i, c := range r {
		parts[i] = c.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// runSelect runs a query as a server-side prepared statement (binary
// protocol) or as a text query (with interpolated arguments) and reads
// every value as raw bytes.
func runSelect(db *sql.DB, prepared bool, query string, args []any) (res qresult) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rows *sql.Rows
	var err error
	if prepared {
		stmt, perr := db.PrepareContext(ctx, query)
		if perr != nil {
			return qresult{err: perr}
		}
		defer stmt.Close()
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return qresult{err: err}
	}
	defer rows.Close()
	if res.cols, err = rows.Columns(); err != nil {
		return qresult{err: err}
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		return qresult{err: err}
	}
	for _, ct := range cts {
		res.types = append(res.types, ct.DatabaseTypeName())
	}
	raw := make([]sql.RawBytes, len(res.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return qresult{err: err}
		}
		row := make([]cell, len(raw))
		for i, b := range raw {
			if b == nil {
				row[i] = cell{null: true}
			} else {
				row[i] = cell{s: string(b)}
			}
		}
		res.rows = append(res.rows, row)
	}
	if err := rows.Err(); err != nil {
		return qresult{err: err}
	}
	return res
}

// ---------------------------------------------------------------- compare

type verdict int

const (
	vMatch      verdict = iota // byte for byte
	vMatchCI                   // equal once collation-equal representatives are folded
	vFloatOrder                // DOUBLE values differ in the last digits only
	vMismatch
)

// foldCI maps strings that utf8mb4_general_ci (PAD SPACE) compares equal
// to one spelling, for the values the pool in differential_gen.go uses.
func foldCI(s string) string {
	s = strings.ToLower(strings.TrimRight(s, " "))
	return strings.NewReplacer("é", "e").Replace(s)
}

func isDoubleType(tp string) bool { return tp == "DOUBLE" || tp == "FLOAT" }

// cellEq compares two values at a level: 0 exact, 1 collation-folded (ci
// queries only), 2 also DOUBLE values that differ by summation order.
func cellEq(level int, ci bool, tp string, a, b cell) bool {
	if a.null || b.null {
		return a.null == b.null
	}
	if a.s == b.s {
		return true
	}
	if level >= 1 && ci && foldCI(a.s) == foldCI(b.s) {
		return true
	}
	if level >= 2 && isDoubleType(tp) {
		fa, err1 := strconv.ParseFloat(a.s, 64)
		fb, err2 := strconv.ParseFloat(b.s, 64)
		if err1 != nil || err2 != nil || fa == fb {
			// Same value printed differently: a formatting bug, not
			// summation order.
			return false
		}
		return math.Abs(fa-fb) <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
	}
	return false
}

// rowKey sorts rows for multiset comparison at a level.
func rowKey(level int, ci bool, types []string, r []cell) string {
	var b strings.Builder
	for i, c := range r {
		switch {
		case c.null:
			b.WriteString("\x00N")
		case level >= 2 && i < len(types) && isDoubleType(types[i]):
			if f, err := strconv.ParseFloat(c.s, 64); err == nil {
				b.WriteString(strconv.FormatFloat(f, 'g', 8, 64))
			} else {
				b.WriteString(c.s)
			}
		case level >= 1 && ci:
			b.WriteString(foldCI(c.s))
		default:
			b.WriteString(c.s)
		}
		b.WriteString("\x00|")
	}
	return b.String()
}

func sortedRows(level int, ci bool, types []string, rows [][]cell) [][]cell {
	out := slices.Clone(rows)
	sort.SliceStable(out, func(i, j int) bool {
		return rowKey(level, ci, types, out[i]) < rowKey(level, ci, types, out[j])
	})
	return out
}

func rowsEq(level int, ci bool, types []string, exp, got [][]cell) (bool, int) {
	for i := range exp {
		for j := range exp[i] {
			if !cellEq(level, ci, types[j], exp[i][j], got[i][j]) {
				return false, i
			}
		}
	}
	return true, -1
}

// compareResults decides whether got (proxy) answers like exp (reference).
func compareResults(dq diffQuery, exp, got qresult) (verdict, string) {
	if exp.err != nil {
		return vMismatch, fmt.Sprintf("the reference failed (generator bug?): %v", exp.err)
	}
	if got.err != nil {
		return vMismatch, fmt.Sprintf("the proxy failed: %v (reference returned %d rows)", got.err, len(exp.rows))
	}
	if !slices.Equal(exp.cols, got.cols) {
		return vMismatch, fmt.Sprintf("columns differ:\n    expected %q\n    got      %q", exp.cols, got.cols)
	}
	if len(exp.rows) != len(got.rows) {
		return vMismatch, fmt.Sprintf("row count: expected %d, got %d\n%s", len(exp.rows), len(got.rows), rowDiff(dq, exp, got))
	}
	for level := 0; level <= 2; level++ {
		e, g := exp.rows, got.rows
		if !dq.ordered {
			e, g = sortedRows(level, dq.ci, exp.types, e), sortedRows(level, dq.ci, exp.types, g)
		}
		if ok, _ := rowsEq(level, dq.ci, exp.types, e, g); ok {
			return []verdict{vMatch, vMatchCI, vFloatOrder}[level], ""
		}
	}
	return vMismatch, rowDiff(dq, exp, got)
}

// rowDiff describes how the rows differ: the first differing position of
// an ordered result, or the rows only one side has.
func rowDiff(dq diffQuery, exp, got qresult) string {
	var b strings.Builder
	e, g := exp.rows, got.rows
	if !dq.ordered {
		e, g = sortedRows(1, dq.ci, exp.types, e), sortedRows(1, dq.ci, exp.types, g)
	}
	if dq.ordered && len(e) == len(g) {
		_, i := rowsEq(1, dq.ci, exp.types, e, g)
		lo := max(i-1, 0)
		for k := lo; k < min(i+3, len(e)); k++ {
			mark := " "
			if ok, _ := rowsEq(1, dq.ci, exp.types, e[k:k+1], g[k:k+1]); !ok {
				mark = "≠"
			}
			fmt.Fprintf(&b, "    %s row %d: expected %s\n              got      %s\n", mark, k, fmtRow(e[k]), fmtRow(g[k]))
		}
		return strings.TrimRight(b.String(), "\n")
	}
	count := func(rows [][]cell) map[string]int {
		m := map[string]int{}
		for _, r := range rows {
			m[rowKey(1, dq.ci, exp.types, r)]++
		}
		return m
	}
	ce, cg := count(e), count(g)
	only := func(label string, rows [][]cell, other map[string]int) {
		n := 0
		seen := map[string]int{}
		for _, r := range rows {
			k := rowKey(1, dq.ci, exp.types, r)
			seen[k]++
			if seen[k] > other[k] {
				if n < 6 {
					fmt.Fprintf(&b, "    only %s: %s\n", label, fmtRow(r))
				}
				n++
			}
		}
		if n > 6 {
			fmt.Fprintf(&b, "    ... %d more only %s\n", n-6, label)
		}
	}
	only("expected", e, cg)
	only("got", g, ce)
	if b.Len() == 0 && len(e) > 0 {
		fmt.Fprintf(&b, "    first rows: expected %s, got %s", fmtRow(e[0]), fmtRow(g[0]))
	}
	return strings.TrimRight(b.String(), "\n")
}

// rowDiffExact shows the first row that differs byte for byte.
func rowDiffExact(dq diffQuery, exp, got qresult) string {
	e, g := exp.rows, got.rows
	if !dq.ordered {
		e, g = sortedRows(1, dq.ci, exp.types, e), sortedRows(1, dq.ci, exp.types, g)
	}
	if _, i := rowsEq(0, dq.ci, exp.types, e, g); i >= 0 {
		return fmt.Sprintf("    row %d: expected %s, got %s", i, fmtRow(e[i]), fmtRow(g[i]))
	}
	return ""
}

// ---------------------------------------------------------------- stats

type kindStats struct{ ran, ok, bad int }

type diffStats struct {
	t       *testing.T
	verbose bool

	ran, matched, refusedOK, floatOrder, mismatches int
	ciRepr                                          int // matched after folding collation-equal representatives
	rows, empty                                     int // reference rows compared; SELECTs with no rows
	kinds                                           map[string]*kindStats

	mismatchText []string
	floatText    []string
	typeText     []string
}

func (s *diffStats) kind(k string) *kindStats {
	if s.kinds[k] == nil {
		s.kinds[k] = &kindStats{}
	}
	return s.kinds[k]
}

func describe(sql string, args []any, prepared bool) string {
	a := ""
	if len(args) > 0 {
		parts := make([]string, len(args))
		for i, x := range args {
			parts[i] = fmt.Sprintf("%#v", x)
		}
		a = " args [" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("[%s] %s%s", modeName(prepared), sql, a)
}

func (s *diffStats) fail(format string, args ...any) {
	s.mismatches++
	msg := fmt.Sprintf(format, args...)
	s.mismatchText = append(s.mismatchText, msg)
	s.t.Errorf("MISMATCH %s", msg)
}

// compare runs one SELECT on the proxy and on the reference.
func (s *diffStats) compare(dbs diffDBs, dq diffQuery, prepared bool) {
	m := modeIndex(prepared)
	exp := runSelect(dbs.ref[m], prepared, dq.sql, dq.args)
	got := runSelect(dbs.proxy[m], prepared, dq.sql, dq.args)
	s.ran++
	ks := s.kind(dq.kind)
	ks.ran++
	s.rows += len(exp.rows)
	if exp.err == nil && len(exp.rows) == 0 {
		s.empty++
	}
	v, detail := compareResults(dq, exp, got)
	desc := describe(dq.sql, dq.args, prepared)
	if s.verbose {
		s.t.Logf("%s: %d rows, verdict %d", desc, len(exp.rows), v)
	}
	switch v {
	case vMatch, vMatchCI:
		s.matched++
		ks.ok++
		if v == vMatchCI {
			s.ciRepr++
			if s.verbose {
				s.t.Logf("CI-FOLDED %s\n%s", desc, rowDiffExact(dq, exp, got))
			}
		}
	case vFloatOrder:
		s.floatOrder++
		ks.ok++
		s.floatText = append(s.floatText, desc+"\n"+floatDetail(dq, exp, got))
	default:
		ks.bad++
		if got.err != nil && mysqlErrNumber(got.err) == 1235 && exp.err == nil {
			detail = "UNEXPECTED REFUSAL of a supported form: " + detail
		}
		s.fail("%s (%s)\n%s", desc, dq.kind, detail)
		if s.verbose {
			dump := func(r qresult) string {
				var b strings.Builder
				for i, row := range r.rows {
					if i == 60 {
						b.WriteString("\n      ...")
						break
					}
					b.WriteString("\n      " + fmtRow(row))
				}
				return b.String()
			}
			s.t.Logf("expected %v %v:%s\ngot %v %v:%s", exp.cols, exp.types, dump(exp), got.cols, got.types, dump(got))
		}
	}
	if exp.err == nil && got.err == nil && !slices.Equal(exp.types, got.types) {
		s.typeText = append(s.typeText, fmt.Sprintf("%s\n    reference types %v\n    proxy types     %v", desc, exp.types, got.types))
	}
}

// floatDetail shows the first DOUBLE value that differs.
func floatDetail(dq diffQuery, exp, got qresult) string {
	e, g := exp.rows, got.rows
	if !dq.ordered {
		e, g = sortedRows(2, dq.ci, exp.types, e), sortedRows(2, dq.ci, exp.types, g)
	}
	for i := range e {
		for j := range e[i] {
			if !cellEq(1, dq.ci, exp.types[j], e[i][j], g[i][j]) {
				return fmt.Sprintf("    row %d column %q: expected %s, got %s", i, exp.cols[j], e[i][j], g[i][j])
			}
		}
	}
	return ""
}

// diffWrite is a write run on the proxy and on the reference.
type diffWrite struct {
	sql  string
	args []any
}

func execOn(db *sql.DB, prepared bool, query string, args []any) (int64, error) {
	n, _, err := execIDs(db, prepared, query, args)
	return n, err
}

// execIDs runs a write and returns its rows affected and insert id.
func execIDs(db *sql.DB, prepared bool, query string, args []any) (int64, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res sql.Result
	var err error
	if prepared {
		stmt, perr := db.PrepareContext(ctx, query)
		if perr != nil {
			return 0, 0, perr
		}
		defer stmt.Close()
		res, err = stmt.ExecContext(ctx, args...)
	} else {
		res, err = db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, 0, err
	}
	n, _ := res.RowsAffected()
	id, _ := res.LastInsertId()
	return n, id, nil
}

func (s *diffStats) write(dbs diffDBs, w diffWrite, prepared bool) {
	m := modeIndex(prepared)
	s.ran++
	ks := s.kind("write")
	ks.ran++
	desc := describe(w.sql, w.args, prepared)
	rn, rid, rerr := execIDs(dbs.ref[m], prepared, w.sql, w.args)
	pn, pid, perr := execIDs(dbs.proxy[m], prepared, w.sql, w.args)
	switch {
	case rerr != nil:
		ks.bad++
		s.fail("%s (write)\n    the reference failed (generator bug?): %v", desc, rerr)
	case perr != nil:
		ks.bad++
		s.fail("%s (write)\n    the proxy failed: %v (the reference affected %d rows)", desc, perr, rn)
	case rn != pn:
		ks.bad++
		s.fail("%s (write)\n    rows affected: expected %d, got %d", desc, rn, pn)
	case rid != pid:
		ks.bad++
		s.fail("%s (write)\n    insert id: expected %d, got %d", desc, rid, pid)
	default:
		ks.ok++
		s.matched++
	}
	if s.verbose {
		s.t.Logf("%s: affected %d/%d", desc, rn, pn)
	}
}

// diffRefusal is a statement the proxy must refuse with 1235.
type diffRefusal struct {
	sql  string
	args []any
	// write: not a SELECT (no check that the reference accepts it).
	write bool
	// preparedOnly: refused only when sent as a prepared statement.
	preparedOnly bool
}

// runAny runs a statement and returns its error, reading every row of a
// result so that an error after the first row is seen too.
func runAny(db *sql.DB, prepared, write bool, query string, args []any) error {
	if write {
		_, err := execOn(db, prepared, query, args)
		return err
	}
	return runSelect(db, prepared, query, args).err
}

func (s *diffStats) refused(dbs diffDBs, rq diffRefusal, prepared bool) {
	if rq.preparedOnly {
		prepared = true
	}
	m := modeIndex(prepared)
	s.ran++
	ks := s.kind("refused")
	ks.ran++
	desc := describe(rq.sql, rq.args, prepared)
	if !rq.write {
		// The statement is valid SQL: refusing it is the proxy's choice.
		if err := runAny(dbs.ref[m], prepared, false, rq.sql, rq.args); err != nil {
			s.t.Logf("note: the reference rejects %s too: %v", desc, err)
		}
	}
	err := runAny(dbs.proxy[m], prepared, rq.write, rq.sql, rq.args)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		ks.bad++
		s.fail("%s (refusal)\n    expected error 1235, the proxy ran it", desc)
	case !errors.As(err, &me):
		ks.bad++
		s.fail("%s (refusal)\n    expected error 1235, got %T %v", desc, err, err)
	case me.Number != 1235:
		ks.bad++
		s.fail("%s (refusal)\n    expected error 1235, got %d %s", desc, me.Number, me.Message)
	default:
		ks.ok++
		s.refusedOK++
		if s.verbose {
			s.t.Logf("%s: refused: %s", desc, me.Message)
		}
	}
}

// report logs the per-template counts, float-order differences and
// column type differences.
func (s *diffStats) report() {
	var kinds []string
	for k := range s.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		ks := s.kinds[k]
		fmt.Fprintf(&b, "\n    %-34s ran %3d  ok %3d  bad %3d", k, ks.ran, ks.ok, ks.bad)
	}
	s.t.Logf("differential: per template:%s", b.String())
	s.t.Logf("differential: %d reference rows compared, %d SELECTs returned no rows", s.rows, s.empty)
	s.t.Logf("differential: %d results matched only after folding collation-equal representatives ('abc' vs 'ABC' vs 'abc ')", s.ciRepr)
	for _, f := range s.floatText {
		s.t.Logf("FLOAT-ORDER %s", f)
		fmt.Printf("differential: float-order mismatch (tolerated): %s\n", f)
	}
	if len(s.typeText) > 0 {
		s.t.Logf("differential: %d results with other column types (values compared equal or reported above):", len(s.typeText))
		for i, x := range s.typeText {
			if i == 15 {
				s.t.Logf("    ... %d more", len(s.typeText)-15)
				break
			}
			s.t.Logf("COLUMN-TYPES %s", x)
		}
	}
}

// ---------------------------------------------------------------- placement

// placement checks where the rows live: each row of a sharded table on
// exactly one shard (the one the algorithm names, for mod and range), the
// total equal to the reference, orders with their customer, a full copy of
// each broadcast table on every shard, unsharded tables on s0 only.
func (s *diffStats) placement(shards []*sql.DB, ref *sql.DB, d *diffData, when string) {
	s.t.Helper()
	problems := 0
	bad := func(format string, args ...any) {
		problems++
		s.fail("placement %s: %s", when, fmt.Sprintf(format, args...))
	}
	ids := func(db *sql.DB, tb *dtable, col string) map[int64]int64 {
		out := map[int64]int64{} // pk -> col
		res := runSelect(db, false, fmt.Sprintf("SELECT %s, %s FROM %s", tb.pk, col, tb.name), nil)
		if res.err != nil {
			bad("%s: %v", tb.name, res.err)
			return out
		}
		for _, r := range res.rows {
			pk, _ := strconv.ParseInt(r[0].s, 10, 64)
			v, _ := strconv.ParseInt(r[1].s, 10, 64)
			out[pk] = v
		}
		return out
	}
	where := map[string]map[int64]int{} // table -> shard key value -> shard
	for _, tb := range d.tables {
		switch tb.algo {
		case "broadcast", "unsharded":
			dump := "SELECT * FROM " + tb.name + " ORDER BY " + tb.pk
			exp := runSelect(ref, false, dump, nil)
			if exp.err != nil {
				bad("%s on the reference: %v", tb.name, exp.err)
				continue
			}
			for i, sh := range shards {
				if tb.algo == "unsharded" && i > 0 {
					n := queryInt(s.t, sh, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'shop' AND table_name = ?", tb.name)
					if n != 0 {
						bad("unsharded table %s exists on s%d", tb.name, i)
					}
					continue
				}
				got := runSelect(sh, false, dump, nil)
				if v, detail := compareResults(diffQuery{sql: dump, ordered: true}, exp, got); v != vMatch {
					bad("%s on s%d differs from the reference:\n%s", tb.name, i, detail)
				}
			}
			continue
		}
		refIDs := ids(ref, tb, tb.key)
		seen := map[int64]int{}
		where[tb.name] = map[int64]int{}
		for i, sh := range shards {
			got := ids(sh, tb, tb.key)
			if len(got) == 0 {
				bad("%s: shard s%d holds no rows", tb.name, i)
			}
			for pk, key := range got {
				if prev, dup := seen[pk]; dup {
					bad("%s row %s=%d is on s%d and s%d", tb.name, tb.pk, pk, prev, i)
				}
				seen[pk] = i
				where[tb.name][key] = i
				want := -1
				switch tb.algo {
				case "mod":
					want = int(key % int64(len(shards)))
				case "range":
					want = 2
					if key < 100 {
						want = 0
					} else if key < 200 {
						want = 1
					}
				}
				if want >= 0 && want != i {
					bad("%s row %s=%d (key %d) is on s%d, want s%d", tb.name, tb.pk, pk, key, i, want)
				}
				if _, ok := refIDs[pk]; !ok {
					bad("%s row %s=%d is on s%d but not in the reference", tb.name, tb.pk, pk, i)
				}
			}
		}
		if len(seen) != len(refIDs) {
			bad("%s: the shards hold %d rows, the reference %d", tb.name, len(seen), len(refIDs))
		}
	}
	// Co-location: an order lives with its customer.
	for key, sh := range where["orders"] {
		if csh, ok := where["customers"][key]; ok && csh != sh {
			bad("orders with cust_id %d are on s%d, the customer on s%d", key, sh, csh)
		}
	}
	s.t.Logf("differential: placement %s: %d problems", when, problems)
}

// ---------------------------------------------------------------- writes

func diffWrites(d *diffData) []diffWrite {
	c := d.custIDs
	items := d.t("items").values("item_id")
	return []diffWrite{
		{"UPDATE orders SET qty = qty + 1, amount = amount * 2 WHERE cust_id = ?", []any{c[0]}},
		{"UPDATE orders SET status = 'paid' WHERE amount > ?", []any{"9000.00"}},
		{"DELETE FROM orders WHERE order_id % 7 = 0", nil},
		{"DELETE FROM customers WHERE cust_id IN (?, ?, ?)", []any{c[1], c[2], c[3]}},
		{"UPDATE customers SET name = 'ABC ', balance = NULL WHERE tier = 'gold'", nil},
		{"UPDATE items SET price = price + 1.5, stock = stock + 1 WHERE item_id BETWEEN ? AND ?", []any{int64(10), int64(60)}},
		{"DELETE FROM events WHERE id BETWEEN 90 AND 110", nil},
		{"UPDATE events SET ratio = ratio / 3, kind = 'VIEW' WHERE id >= ?", []any{int64(250)}},
		{"UPDATE regions SET zone = 'South' WHERE region_id = 2", nil},
		{"DELETE FROM notes WHERE prio = ?", []any{int64(0)}},
		{"INSERT INTO orders (order_id, cust_id, status, qty, amount, weight, ordered_at, region_id) VALUES " +
			fmt.Sprintf("(90001, %d, 'new', 3, 10.50, 0.25, '2024-02-29 12:00:00', 1), (90002, %d, 'NEW', NULL, -3.25, NULL, NULL, 7), (90003, %d, NULL, 9, 999.99, 1e+300, '2021-07-04 00:00:01', NULL)", c[4], c[5], c[6]), nil},
		{"INSERT INTO customers (cust_id, name, tier, region_id, balance, score, created, age) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			[]any{int64(500_001), "abc", "Gold", int64(3), "12.34", 0.1, "2024-01-31", int64(41)}},
		{"UPDATE orders SET weight = NULL WHERE cust_id = ? OR qty = 3", []any{c[7]}},
		{"DELETE FROM items WHERE item_id = ?", []any{items[5]}},
		{"INSERT INTO regions (region_id, rname, zone, pop) VALUES (7, 'Region 7', 'north ', 10)", nil},
		{"UPDATE customers SET score = score * 2 WHERE cust_id = ?", []any{c[8]}},
		{"INSERT INTO events (id, kind, val, ratio, at, cust_id) VALUES (?, 'click', 1, 0.5, '2023-01-01 00:00:00.123', NULL), (?, 'Click', 2, NULL, NULL, ?)",
			[]any{int64(95), int64(400), c[9]}},
		{"UPDATE notes SET body = CONCAT(body, '!') WHERE note_id < 20", nil},
		// Another IN list before the one on the shard key.
		{"UPDATE orders SET qty = 0 WHERE status IN ('new', 'paid', 'shipped', 'cancelled', 'x', 'y') AND cust_id IN (?, ?, ?)", []any{c[10], c[11], c[12]}},
		{"DELETE FROM orders WHERE status IN ('new', 'x') AND cust_id IN (?, ?, ?, ?, ?)", []any{c[13], c[14], c[15], c[16], c[17]}},
	}
}

// ---------------------------------------------------------------- refusals

func diffRefused(d *diffData) []diffRefusal {
	c := d.custIDs
	return []diffRefusal{
		{sql: "SELECT * FROM customers c JOIN items i ON c.cust_id = i.item_id"},
		{sql: "SELECT c.name, i.sku FROM customers c JOIN items i ON c.region_id = i.stock"},
		{sql: "SELECT * FROM customers c JOIN items i ON c.cust_id = i.item_id WHERE c.cust_id = ?", args: []any{c[0]}},
		{sql: "SELECT * FROM orders o JOIN notes n ON o.cust_id = n.cust_id"},
		{sql: "SELECT * FROM customers c JOIN orders o ON c.region_id = o.region_id"},
		{sql: "SELECT * FROM customers c JOIN orders o ON c.cust_id = o.order_id"},
		{sql: "SELECT * FROM items i JOIN events e ON i.item_id = e.id"},
		{sql: "SELECT * FROM orders o JOIN customers c ON o.cust_id = c.cust_id JOIN items i ON i.item_id = o.order_id"},
		{sql: "SELECT n.note_id, c.name FROM notes n JOIN customers c ON n.cust_id = c.cust_id WHERE c.cust_id = ?", args: []any{c[1]}},
		{sql: "SELECT (SELECT COUNT(*) FROM orders) AS n"},
		{sql: "SELECT * FROM (SELECT cust_id, COUNT(*) AS n FROM orders GROUP BY cust_id) t"},
		// Subqueries and derived tables whose answer on one shard is not
		// theirs over all rows.
		{sql: "SELECT * FROM customers WHERE cust_id NOT IN (SELECT cust_id FROM orders)"},
		{sql: "SELECT * FROM orders WHERE qty IN (SELECT age FROM customers)"},
		{sql: "SELECT o.order_id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.name = o.status)"},
		{sql: "SELECT * FROM orders o WHERE o.cust_id = ? AND o.qty IN (SELECT stock FROM items)", args: []any{c[0]}},
		{sql: "SELECT n.note_id FROM notes n WHERE n.cust_id IN (SELECT cust_id FROM customers)"},
		{sql: "SELECT COUNT(*) FROM (SELECT * FROM orders LIMIT 10) d"},
		{sql: "SELECT COUNT(*) FROM (SELECT DISTINCT status FROM orders) d"},
		{sql: "SELECT cust_id, (SELECT COUNT(*) FROM regions) FROM customers"},
		{sql: "WITH big AS (SELECT * FROM orders WHERE amount > 100) SELECT * FROM big"},
		{sql: "SELECT cust_id FROM customers UNION SELECT cust_id FROM orders"},
		{sql: "SELECT id FROM events UNION ALL SELECT id FROM events"},
		{sql: "SELECT order_id, ROW_NUMBER() OVER (ORDER BY order_id) FROM orders"},
		{sql: "SELECT status, SUM(amount) OVER (PARTITION BY status) FROM orders"},
		{sql: "SELECT id, RANK() OVER (ORDER BY val) FROM events WHERE id < ?", args: []any{int64(150)}},
		{sql: "SELECT GROUP_CONCAT(status) FROM orders"},
		{sql: "SELECT tier, GROUP_CONCAT(name ORDER BY age) FROM customers GROUP BY tier"},
		{sql: "SELECT STDDEV(weight) FROM orders"},
		{sql: "SELECT IFNULL(SUM(qty), 0.5) FROM orders"},
		{sql: "SELECT status, ROUND(AVG(amount), -1) FROM orders GROUP BY status"},
		{sql: "SELECT status, COUNT(DISTINCT qty) FROM orders GROUP BY region_id"},
		{sql: "SELECT o.status, COUNT(*) FROM orders o JOIN customers c ON c.cust_id = o.cust_id GROUP BY c.tier"},
		{sql: "SELECT status, COUNT(*) FROM orders GROUP BY status WITH ROLLUP"},
		{sql: "SELECT * FROM orders HAVING qty > 1"},
		{sql: "SELECT cust_id, COUNT(*) FROM orders GROUP BY cust_id HAVING COUNT(*) > ?", args: []any{int64(1)}, preparedOnly: true},
		{sql: "INSERT INTO orders (order_id, qty) VALUES (99999, 1)", write: true},
		{sql: "INSERT INTO orders (order_id, cust_id) VALUES (99997, 1 + 1)", write: true},
		// A NULL key of a NOT NULL column is no refusal any more: the shard
		// of its implicit default answers 1048 as MariaDB does
		// (TestKeyConversions).
		// Rows that would move between shards (the co-located form, the
		// source's key giving the target's, runs: TestInsertSelectOverShards).
		{sql: "INSERT INTO orders (order_id, cust_id) SELECT cust_id, region_id FROM customers", write: true},
		{sql: "INSERT INTO orders (order_id, cust_id) SELECT c.cust_id, c.cust_id FROM customers c JOIN regions r ON r.region_id = c.region_id", write: true},
		{sql: "UPDATE customers SET cust_id = ? WHERE cust_id = ?", args: []any{int64(5), c[2]}, write: true},
		{sql: "UPDATE orders SET cust_id = cust_id + 1", write: true},
		{sql: "RENAME TABLE orders TO orders_old", write: true},
		// Every shard would add its own copy of the kept broadcast rows.
		{sql: "SELECT r.region_id, c.cust_id FROM regions r LEFT JOIN customers c ON c.region_id = r.region_id"},
		{sql: "SELECT COUNT(*) FROM customers c RIGHT JOIN regions r ON c.region_id = r.region_id WHERE r.zone = ?", args: []any{"north"}},
	}
}

// TestDifferentialCompare checks the comparison rules of TestDifferential
// (no servers needed).
func TestDifferentialCompare(t *testing.T) {
	t.Parallel()
	res := func(types []string, rows ...[]string) qresult {
		r := qresult{cols: make([]string, len(types)), types: types}
		for i := range types {
			r.cols[i] = "c" + strconv.Itoa(i)
		}
		for _, row := range rows {
			var cs []cell
			for _, v := range row {
				if v == "NULL" {
					cs = append(cs, cell{null: true})
				} else {
					cs = append(cs, cell{s: v})
				}
			}
			r.rows = append(r.rows, cs)
		}
		return r
	}
	str, dbl, dec := []string{"VARCHAR"}, []string{"DOUBLE"}, []string{"DECIMAL"}
	renamed := res(str, []string{"a"})
	renamed.cols[0] = "other"
	tests := []struct {
		name     string
		q        diffQuery
		exp, got qresult
		want     verdict
	}{
		{"equal", diffQuery{ordered: true}, res(str, []string{"a"}, []string{"b"}), res(str, []string{"a"}, []string{"b"}), vMatch},
		{"order differs, ordered", diffQuery{ordered: true}, res(str, []string{"a"}, []string{"b"}), res(str, []string{"b"}, []string{"a"}), vMismatch},
		{"order differs, multiset", diffQuery{}, res(str, []string{"a"}, []string{"b"}), res(str, []string{"b"}, []string{"a"}), vMatch},
		{"multiset counts", diffQuery{}, res(str, []string{"a"}, []string{"a"}, []string{"b"}), res(str, []string{"a"}, []string{"b"}, []string{"b"}), vMismatch},
		{"case representative, ci", diffQuery{ordered: true, ci: true}, res(str, []string{"abc "}), res(str, []string{"ABC"}), vMatchCI},
		{"case differs, not ci", diffQuery{ordered: true}, res(str, []string{"abc"}), res(str, []string{"ABC"}), vMismatch},
		{"accent representative, ci", diffQuery{ci: true}, res(str, []string{"zoé"}, []string{"x"}), res(str, []string{"x"}, []string{"Zoe"}), vMatchCI},
		{"NULL vs empty", diffQuery{ordered: true, ci: true}, res(str, []string{"NULL"}), res(str, []string{""}), vMismatch},
		{"row count", diffQuery{}, res(str, []string{"a"}), res(str), vMismatch},
		{"column name", diffQuery{}, res(str, []string{"a"}), renamed, vMismatch},
		{"double last digits", diffQuery{ordered: true}, res(dbl, []string{"8.362000005949673e15"}), res(dbl, []string{"8.362000005949672e15"}), vFloatOrder},
		{"double last digits, multiset", diffQuery{}, res(dbl, []string{"1"}, []string{"2.0000000000000004"}), res(dbl, []string{"2"}, []string{"1"}), vFloatOrder},
		{"double formatted differently", diffQuery{ordered: true}, res(dbl, []string{"1e15"}), res(dbl, []string{"1000000000000000"}), vMismatch},
		{"double really differs", diffQuery{ordered: true}, res(dbl, []string{"1.5"}), res(dbl, []string{"1.6"}), vMismatch},
		{"decimal last digit", diffQuery{ordered: true}, res(dec, []string{"4000000.00"}), res(dec, []string{"4000000.01"}), vMismatch},
		{"decimal scale", diffQuery{ordered: true}, res(dec, []string{"1.5000"}), res(dec, []string{"1.5"}), vMismatch},
		{"proxy error", diffQuery{}, res(str), qresult{err: errors.New("boom")}, vMismatch},
	}
	for _, tt := range tests {
		if got, detail := compareResults(tt.q, tt.exp, tt.got); got != tt.want {
			t.Errorf("%s: verdict %d, want %d (%s)", tt.name, got, tt.want, detail)
		}
	}
}
