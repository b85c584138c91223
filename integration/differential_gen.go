package integration

// Schema, data and query generator of TestDifferential (differential_test.go).
// Everything here is deterministic for a given seed: the same seed gives the
// same rows and the same statements, byte for byte.

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// dkind is the SQL type family of a generated column.
type dkind int

const (
	dInt      dkind = iota // INT / BIGINT (/ UNSIGNED)
	dDec                   // DECIMAL(10,2)
	dDbl                   // DOUBLE
	dStr                   // VARCHAR (utf8mb4_general_ci: case- and pad-insensitive)
	dDate                  // DATE
	dDateTime              // DATETIME / DATETIME(3)
)

func (k dkind) numeric() bool { return k == dInt || k == dDec || k == dDbl }

type dcol struct {
	name  string
	kind  dkind
	null  bool // nullable (and the data has NULLs)
	group bool // small cardinality: worth a GROUP BY / DISTINCT
	big   bool // values near the BIGINT limits: no arithmetic on them
}

// dtable is one table of the differential schema with its rows.
type dtable struct {
	name string
	pk   string
	key  string // shard key ("" for broadcast and unsharded tables)
	algo string // hash, mod, range, broadcast, unsharded
	ddl  string
	// noColumnList: its load INSERTs name no columns (as mariadb-dump's).
	noColumnList bool
	cols         []dcol
	rows         [][]any // nil, int64, float64 or string (DECIMAL, VARCHAR, DATE, DATETIME as text)
}

func (t *dtable) col(name string) dcol {
	for _, c := range t.cols {
		if c.name == name {
			return c
		}
	}
	panic("differential: no column " + t.name + "." + name)
}

func (t *dtable) colIndex(name string) int {
	for i, c := range t.cols {
		if c.name == name {
			return i
		}
	}
	panic("differential: no column " + t.name + "." + name)
}

func (t *dtable) colNames() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

// values returns the non-NULL values of a column (with repetitions).
func (t *dtable) values(name string) []any {
	i := t.colIndex(name)
	var out []any
	for _, r := range t.rows {
		if r[i] != nil {
			out = append(out, r[i])
		}
	}
	return out
}

// insertSQL renders multi-row INSERTs of at most batch rows that name
// their columns.
func (t *dtable) insertSQL(batch int) []string {
	var out []string
	cols := "`" + strings.Join(t.colNames(), "`, `") + "`"
	for i := 0; i < len(t.rows); i += batch {
		end := min(i+batch, len(t.rows))
		var b strings.Builder
		if t.noColumnList {
			fmt.Fprintf(&b, "INSERT INTO %s VALUES ", t.name)
		} else {
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", t.name, cols)
		}
		for j, r := range t.rows[i:end] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for k, v := range r {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(sqlLit(v))
			}
			b.WriteByte(')')
		}
		out = append(out, b.String())
	}
	return out
}

// sqlLit renders a generated value as an SQL literal.
func sqlLit(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		// An exponent makes it a DOUBLE literal (no DECIMAL detour).
		return strconv.FormatFloat(x, 'e', -1, 64)
	case string:
		return sqlQuote(x)
	}
	panic(fmt.Sprintf("differential: literal of %T", v))
}

func sqlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `''`)
	return "'" + r.Replace(s) + "'"
}

// ---------------------------------------------------------------- data

// Value pools. Under utf8mb4_general_ci 'abc' = 'ABC' = 'abc ' = 'Abc' and
// 'Émile' = 'emile', 'zoé' = 'Zoe': GROUP BY, DISTINCT, ORDER BY, MIN/MAX
// and = must treat them as equal.
var (
	diffNames      = []string{"abc", "ABC", "abc ", "Abc", "bob", "Bob", "BOB ", "carol", "Carol", "Émile", "emile", "zoé", "Zoe", "", "O'Brien", "o'brien", `back\slash`}
	diffTiers      = []string{"gold", "Gold", "silver", "SILVER ", "bronze"}
	diffStatuses   = []string{"new", "NEW", "paid", "Paid ", "shipped", "cancelled"}
	diffCategories = []string{"tools", "Tools", "toys", "garden", "Garden "}
	diffKinds      = []string{"click", "Click", "view", "buy", "buy "}
	diffZones      = []string{"north", "North", "south", "east", "east ", "West"}
)

var diffEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

type diffData struct {
	tables  []*dtable // creation and load order
	byName  map[string]*dtable
	custIDs []int64
}

func (d *diffData) t(name string) *dtable { return d.byName[name] }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func genDecimal(r *rand.Rand) string {
	cents := r.Int64N(2_000_000) - 200_000 // -2000.00 .. 17999.99
	if chance(r, 0.05) {
		cents = r.Int64N(100) // small values, 0.00 included
	}
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// genDouble mixes exactly representable values (sums independent of
// order) with inexact ones and extreme magnitudes (formatting).
func genDouble(r *rand.Rand) float64 {
	switch r.IntN(10) {
	case 0:
		return float64(r.IntN(1000)) * 1e12 // 1e+15-ish
	case 1:
		return float64(r.IntN(1000)+1) / 1e7 // 1e-05-ish
	case 2, 3, 4:
		return float64(r.IntN(80000)-10000) / 8 // exact binary fraction
	case 5:
		return -float64(r.IntN(100000)) / 7
	default:
		return float64(r.IntN(1000000)) / 3
	}
}

func genDate(r *rand.Rand) string {
	return diffEpoch.AddDate(0, 0, r.IntN(1800)).Format("2006-01-02")
}

func genDateTime(r *rand.Rand, millis bool) string {
	t := diffEpoch.Add(time.Duration(r.Int64N(1800*86400)) * time.Second)
	if millis {
		t = t.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
		return t.Format("2006-01-02 15:04:05.000")
	}
	return t.Format("2006-01-02 15:04:05")
}

// nullOr returns NULL with probability p, v otherwise.
func nullOr(r *rand.Rand, p float64, v any) any {
	if chance(r, p) {
		return nil
	}
	return v
}

// genDiffData builds the schema and its rows.
func genDiffData(seed uint64) *diffData {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	d := &diffData{byName: map[string]*dtable{}}
	add := func(t *dtable) {
		d.tables = append(d.tables, t)
		d.byName[t.name] = t
	}

	regions := &dtable{name: "regions", pk: "region_id", algo: "broadcast",
		ddl:  "CREATE TABLE regions (region_id INT NOT NULL PRIMARY KEY, rname VARCHAR(32) NOT NULL, zone VARCHAR(8) NULL, pop BIGINT NULL) ENGINE=InnoDB",
		cols: []dcol{{name: "region_id", kind: dInt, group: true}, {name: "rname", kind: dStr}, {name: "zone", kind: dStr, null: true, group: true}, {name: "pop", kind: dInt, null: true}}}
	for i := int64(1); i <= 6; i++ {
		regions.rows = append(regions.rows, []any{i, fmt.Sprintf("Region %d", i), nullOr(r, 0.15, pick(r, diffZones)), nullOr(r, 0.2, r.Int64N(5_000_000))})
	}
	add(regions)

	customers := &dtable{name: "customers", pk: "cust_id", key: "cust_id", algo: "hash",
		ddl: "CREATE TABLE customers (cust_id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(32) NULL, tier VARCHAR(16) NULL, region_id INT NULL, balance DECIMAL(10,2) NULL, score DOUBLE NULL, created DATE NULL, age INT NULL) ENGINE=InnoDB",
		cols: []dcol{{name: "cust_id", kind: dInt}, {name: "name", kind: dStr, null: true, group: true}, {name: "tier", kind: dStr, null: true, group: true},
			{name: "region_id", kind: dInt, null: true, group: true}, {name: "balance", kind: dDec, null: true}, {name: "score", kind: dDbl, null: true},
			{name: "created", kind: dDate, null: true}, {name: "age", kind: dInt, null: true, group: true}}}
	seen := map[int64]bool{}
	for len(d.custIDs) < 240 {
		id := r.Int64N(100_000) + 1
		if seen[id] {
			continue
		}
		seen[id] = true
		d.custIDs = append(d.custIDs, id)
		customers.rows = append(customers.rows, []any{id, nullOr(r, 0.1, pick(r, diffNames)), nullOr(r, 0.1, pick(r, diffTiers)),
			nullOr(r, 0.1, r.Int64N(7)+1), nullOr(r, 0.1, genDecimal(r)), nullOr(r, 0.1, genDouble(r)),
			nullOr(r, 0.1, genDate(r)), nullOr(r, 0.15, r.Int64N(8)*10+18)})
	}
	add(customers)

	orders := &dtable{name: "orders", pk: "order_id", key: "cust_id", algo: "hash",
		ddl: "CREATE TABLE orders (order_id BIGINT NOT NULL PRIMARY KEY, cust_id BIGINT NOT NULL, status VARCHAR(16) NULL, qty INT NULL, amount DECIMAL(10,2) NULL, weight DOUBLE NULL, ordered_at DATETIME NULL, region_id INT NULL, KEY (cust_id)) ENGINE=InnoDB",
		cols: []dcol{{name: "order_id", kind: dInt}, {name: "cust_id", kind: dInt}, {name: "status", kind: dStr, null: true, group: true},
			{name: "qty", kind: dInt, null: true, group: true}, {name: "amount", kind: dDec, null: true}, {name: "weight", kind: dDbl, null: true},
			{name: "ordered_at", kind: dDateTime, null: true}, {name: "region_id", kind: dInt, null: true, group: true}}}
	for i := 0; i < 480; i++ {
		cust := pick(r, d.custIDs)
		if chance(r, 0.08) {
			cust = 200_000 + r.Int64N(1000) // an order without a customer
		}
		orders.rows = append(orders.rows, []any{int64(10_000 + i*3 + r.IntN(3)), cust, nullOr(r, 0.1, pick(r, diffStatuses)),
			nullOr(r, 0.1, r.Int64N(10)), nullOr(r, 0.1, genDecimal(r)), nullOr(r, 0.12, genDouble(r)),
			nullOr(r, 0.1, genDateTime(r, false)), nullOr(r, 0.1, r.Int64N(7)+1)})
	}
	add(orders)

	items := &dtable{name: "items", pk: "item_id", key: "item_id", algo: "mod",
		ddl: "CREATE TABLE items (item_id BIGINT NOT NULL PRIMARY KEY, sku VARCHAR(24) NOT NULL, category VARCHAR(16) NULL, price DECIMAL(10,2) NULL, stock INT UNSIGNED NULL, rating DOUBLE NULL, added DATE NULL) ENGINE=InnoDB",
		cols: []dcol{{name: "item_id", kind: dInt}, {name: "sku", kind: dStr}, {name: "category", kind: dStr, null: true, group: true},
			{name: "price", kind: dDec, null: true}, {name: "stock", kind: dInt, null: true, group: true}, {name: "rating", kind: dDbl, null: true},
			{name: "added", kind: dDate, null: true}}}
	for i := 0; i < 300; i++ {
		id := int64(i*4 + r.IntN(4) + 1)
		stock := r.Int64N(20)
		if chance(r, 0.05) {
			stock = 4_000_000_000 + r.Int64N(200_000_000) // above INT's signed range
		}
		items.rows = append(items.rows, []any{id, fmt.Sprintf("SKU-%05d", id), nullOr(r, 0.1, pick(r, diffCategories)),
			nullOr(r, 0.1, genDecimal(r)), nullOr(r, 0.1, stock), nullOr(r, 0.1, genDouble(r)), nullOr(r, 0.1, genDate(r))})
	}
	add(items)

	events := &dtable{name: "events", pk: "id", key: "id", algo: "range",
		ddl: "CREATE TABLE events (id BIGINT NOT NULL PRIMARY KEY, kind VARCHAR(8) NULL, val BIGINT NULL, ratio DOUBLE NULL, at DATETIME(3) NULL, cust_id BIGINT NULL) ENGINE=InnoDB",
		cols: []dcol{{name: "id", kind: dInt}, {name: "kind", kind: dStr, null: true, group: true}, {name: "val", kind: dInt, null: true, big: true},
			{name: "ratio", kind: dDbl, null: true}, {name: "at", kind: dDateTime, null: true}, {name: "cust_id", kind: dInt, null: true}}}
	for id := int64(0); id < 330; id++ {
		if chance(r, 0.1) {
			continue
		}
		val := r.Int64N(200_001) - 100_000
		if chance(r, 0.05) {
			val = 9_000_000_000_000_000_000 - r.Int64N(1000) // sums overflow BIGINT
			if chance(r, 0.3) {
				val = -val
			}
		}
		var cust any
		if chance(r, 0.7) {
			cust = pick(r, d.custIDs)
		}
		events.rows = append(events.rows, []any{id, nullOr(r, 0.1, pick(r, diffKinds)), nullOr(r, 0.08, val),
			nullOr(r, 0.1, genDouble(r)), nullOr(r, 0.1, genDateTime(r, true)), cust})
	}
	add(events)

	notes := &dtable{name: "notes", pk: "note_id", algo: "unsharded",
		ddl: "CREATE TABLE notes (note_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, cust_id BIGINT NULL, body VARCHAR(64) NULL, prio INT NULL, created DATETIME NULL) ENGINE=InnoDB",
		cols: []dcol{{name: "note_id", kind: dInt}, {name: "cust_id", kind: dInt, null: true}, {name: "body", kind: dStr, null: true, group: true},
			{name: "prio", kind: dInt, null: true, group: true}, {name: "created", kind: dDateTime, null: true}}}
	for i := int64(1); i <= 60; i++ {
		notes.rows = append(notes.rows, []any{i, nullOr(r, 0.2, pick(r, d.custIDs)), nullOr(r, 0.1, pick(r, diffNames)),
			nullOr(r, 0.1, r.Int64N(4)), nullOr(r, 0.1, genDateTime(r, false))})
	}
	add(notes)
	add(genPayments(r, d))
	add(genTickets(r, d))
	return d
}

// ---------------------------------------------------------------- queries

// diffQuery is one generated SELECT.
type diffQuery struct {
	kind    string // template
	sql     string
	args    []any
	ordered bool // total ORDER BY: rows must come in the same order
	// ci: some values are a representative of a set that compares equal
	// under the collation ('abc' vs 'ABC' vs 'abc ' after GROUP BY,
	// DISTINCT, MIN or MAX): compare those case- and pad-insensitively.
	ci bool
}

type diffGen struct {
	r *rand.Rand
	d *diffData
	// paramP is the probability that a value becomes a ? parameter
	// rather than a literal.
	paramP float64
}

func newDiffGen(d *diffData, seed uint64) *diffGen {
	return &diffGen{r: rand.New(rand.NewPCG(seed, 0xd1ff)), d: d, paramP: 0.65}
}

// qb accumulates the arguments of the statement being built.
type qb struct {
	g    *diffGen
	args []any
}

// v renders a value as a parameter or as a literal.
func (b *qb) v(x any) string {
	if x != nil && chance(b.g.r, b.g.paramP) {
		b.args = append(b.args, x)
		return "?"
	}
	return sqlLit(x)
}

// literal forces a literal (HAVING, select list: parameters are refused
// there in queries over several shards).
func (b *qb) literal(x any) string { return sqlLit(x) }

func q(prefix, col string) string { return prefix + col }

// sampleValue returns an existing value of the column (or a near one).
func (g *diffGen) sampleValue(t *dtable, c dcol) any {
	vals := t.values(c.name)
	if len(vals) == 0 || chance(g.r, 0.08) {
		switch c.kind {
		case dInt:
			return g.r.Int64N(1000)
		case dDec:
			return genDecimal(g.r)
		case dDbl:
			return genDouble(g.r)
		case dStr:
			return pick(g.r, []string{"abc", "ABC", "zzz", "", "bob ", "EMILE"})
		case dDate:
			return genDate(g.r)
		default:
			return genDateTime(g.r, false)
		}
	}
	v := pick(g.r, vals)
	if c.kind == dStr && chance(g.r, 0.4) {
		// Another spelling that compares equal (or not) under the collation.
		s := v.(string)
		switch g.r.IntN(3) {
		case 0:
			v = strings.ToUpper(s)
		case 1:
			v = strings.ToLower(s) + " "
		default:
			v = strings.TrimRight(s, " ")
		}
	}
	return v
}

func (g *diffGen) keyValue(t *dtable, b *qb) string {
	v := g.sampleValue(t, t.col(t.key)).(int64)
	if chance(g.r, 0.12) {
		// The key as a string: MySQL compares it as a number.
		return b.v(strconv.FormatInt(v, 10))
	}
	return b.v(v)
}

// pred builds one predicate on a column of t (prefix qualifies it).
func (g *diffGen) pred(t *dtable, prefix string, c dcol, b *qb) string {
	col := q(prefix, c.name)
	if c.null && chance(g.r, 0.08) {
		return col + pick(g.r, []string{" IS NULL", " IS NOT NULL"})
	}
	if c.name == t.key {
		switch g.r.IntN(6) {
		case 0, 1:
			return col + " = " + g.keyValue(t, b)
		case 2, 3:
			n := 2 + g.r.IntN(5)
			parts := make([]string, n)
			for i := range parts {
				parts[i] = g.keyValue(t, b)
			}
			return col + " IN (" + strings.Join(parts, ", ") + ")"
		case 4:
			lo := g.sampleValue(t, c).(int64)
			return col + " BETWEEN " + b.v(lo) + " AND " + b.v(lo+int64(g.r.IntN(150)))
		default:
			return col + pick(g.r, []string{" < ", " >= ", " > ", " <= "}) + b.v(g.sampleValue(t, c))
		}
	}
	switch c.kind {
	case dStr:
		switch g.r.IntN(6) {
		case 0, 1:
			return col + " = " + b.v(g.sampleValue(t, c))
		case 2:
			return col + " LIKE " + b.v(pick(g.r, []string{"ab%", "AB%", "%o%", "_o%", "%e", "b_b", "%'%", "e%"}))
		case 3:
			return col + " IN (" + b.v(g.sampleValue(t, c)) + ", " + b.v(g.sampleValue(t, c)) + ", " + b.v(g.sampleValue(t, c)) + ")"
		case 4:
			return col + " <> " + b.v(g.sampleValue(t, c))
		default:
			return col + pick(g.r, []string{" < ", " >= "}) + b.v(g.sampleValue(t, c))
		}
	case dDate, dDateTime:
		x, y := g.sampleValue(t, c).(string), g.sampleValue(t, c).(string)
		if x > y {
			x, y = y, x
		}
		switch g.r.IntN(3) {
		case 0:
			return col + " BETWEEN " + b.v(x) + " AND " + b.v(y)
		case 1:
			return col + " < " + b.v(y)
		default:
			return col + " >= " + b.v(x)
		}
	default:
		v := g.sampleValue(t, c)
		switch g.r.IntN(6) {
		case 0:
			return col + " = " + b.v(v)
		case 1:
			w := g.sampleValue(t, c)
			if numLess(w, v) {
				v, w = w, v
			}
			return col + " BETWEEN " + b.v(v) + " AND " + b.v(w)
		case 2:
			if c.kind == dInt {
				return col + " IN (" + b.v(v) + ", " + b.v(g.sampleValue(t, c)) + ", " + b.v(g.sampleValue(t, c)) + ")"
			}
			return col + " <> " + b.v(v)
		case 3:
			return col + " < " + b.v(v)
		default:
			return col + " > " + b.v(v)
		}
	}
}

func numLess(a, b any) bool {
	f := func(x any) float64 {
		switch v := x.(type) {
		case int64:
			return float64(v)
		case float64:
			return v
		case string:
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
		return 0
	}
	return f(a) < f(b)
}

// where builds 0..3 predicates. keyBias: probability of a predicate on the
// shard key.
func (g *diffGen) where(t *dtable, prefix string, b *qb, keyBias float64) string {
	var preds []string
	n := g.r.IntN(3)
	if t.key != "" && chance(g.r, keyBias) {
		preds = append(preds, g.pred(t, prefix, t.col(t.key), b))
	}
	for i := 0; i < n; i++ {
		preds = append(preds, g.pred(t, prefix, pick(g.r, t.cols), b))
	}
	if len(preds) == 0 {
		return ""
	}
	if len(preds) >= 2 && chance(g.r, 0.15) {
		// An OR: the shard key no longer restricts the shards.
		return " WHERE (" + preds[0] + " OR " + preds[1] + ")" + andRest(preds[2:])
	}
	return " WHERE " + strings.Join(preds, " AND ")
}

func andRest(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	return " AND " + strings.Join(ps, " AND ")
}

// limit renders LIMIT n [OFFSET m] (sometimes as LIMIT m, n).
func (g *diffGen) limit(b *qb) string {
	n := int64(g.r.IntN(25) + 1)
	if g.r.IntN(3) == 0 {
		return " LIMIT " + g.limitArg(b, n)
	}
	off := int64(g.r.IntN(6))
	if chance(g.r, 0.25) {
		off = int64(g.r.IntN(40))
	}
	if chance(g.r, 0.3) {
		return " LIMIT " + g.limitArg(b, off) + ", " + g.limitArg(b, n)
	}
	return " LIMIT " + g.limitArg(b, n) + " OFFSET " + g.limitArg(b, off)
}

// limitArg is a LIMIT count or offset; as a parameter it is sometimes a
// DOUBLE, as mysql2 sends every JavaScript number.
func (g *diffGen) limitArg(b *qb, n int64) string {
	if chance(g.r, 0.15) {
		b.args = append(b.args, float64(n))
		return "?"
	}
	return b.v(n)
}

func dir(r *rand.Rand) string {
	if chance(r, 0.35) {
		return " DESC"
	}
	return ""
}

func (g *diffGen) shardedTables() []*dtable {
	return []*dtable{g.d.t("customers"), g.d.t("orders"), g.d.t("items"), g.d.t("events")}
}

func (g *diffGen) cols(t *dtable, kinds ...dkind) []dcol {
	var out []dcol
	for _, c := range t.cols {
		for _, k := range kinds {
			if c.kind == k {
				out = append(out, c)
			}
		}
	}
	return out
}

func (g *diffGen) groupCols(t *dtable) []dcol {
	var out []dcol
	for _, c := range t.cols {
		if c.group {
			out = append(out, c)
		}
	}
	return out
}

// plain: SELECT columns [WHERE] ORDER BY ... pk [LIMIT] or no ORDER BY.
func (g *diffGen) plain(t *dtable) diffQuery {
	b := &qb{g: g}
	var sel []string
	star := chance(g.r, 0.25)
	if star {
		sel = []string{"*"}
	} else {
		for _, c := range t.cols {
			if chance(g.r, 0.5) {
				sel = append(sel, c.name)
			}
		}
		if len(sel) == 0 {
			sel = []string{t.pk}
		}
		if chance(g.r, 0.2) {
			nums := g.cols(t, dInt, dDec, dDbl)
			c := pick(g.r, nums)
			if c.big {
				sel = append(sel, pick(g.r, []string{"-" + c.name, c.name + " IS NULL", c.name + " DIV 7"}))
			} else {
				// CAST AS INT and CONVERT(x, INTEGER): MariaDB's spellings
				// of SIGNED, which the proxy's parser reads as such.
				sel = append(sel, pick(g.r, []string{c.name + " * 2", c.name + " + 1", "-" + c.name, c.name + " IS NULL",
					"CAST(" + c.name + " AS INT)", "CONVERT(" + c.name + ", INTEGER)"}))
			}
		}
		if strs := g.cols(t, dStr); len(strs) > 0 && chance(g.r, 0.1) {
			sel = append(sel, "CAST("+pick(g.r, strs).name+" AS VARCHAR(3))")
		}
		if chance(g.r, 0.1) {
			// A string literal's column is named with its value.
			sel = append(sel, pick(g.r, []string{"'abc'", "'it''s'", "_utf8mb4'q'", "('p')", "'  lead'", "'a' 'b'", `'a\0b'`}))
		}
	}
	where := g.where(t, "", b, 0.3)
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + t.name + where
	out := diffQuery{kind: "plain " + t.name}
	if star && where == "" && chance(g.r, 0.25) {
		// A whole-table scan without ORDER BY: MariaDB reads the clustered
		// index, in primary key order, and so must the merge.
		out.ordered = true
		if chance(g.r, 0.5) {
			sql += g.limit(b)
		}
		out.sql, out.args = sql, b.args
		return out
	}
	if chance(g.r, 0.75) {
		var ob []string
		for i := g.r.IntN(3); i > 0; i-- {
			ob = append(ob, pick(g.r, t.cols).name+dir(g.r))
		}
		ob = append(ob, t.pk+dir(g.r))
		sql += " ORDER BY " + strings.Join(ob, ", ")
		out.ordered = true
		if chance(g.r, 0.5) {
			sql += g.limit(b)
		}
	}
	out.sql, out.args = sql, b.args
	return out
}

// aggTerm is one aggregate in a select list.
type aggTerm struct {
	expr string
	ci   bool // MIN/MAX of a string: a representative
}

// agg picks an aggregate over t's columns.
func (g *diffGen) agg(t *dtable, prefix string) aggTerm {
	nums := g.cols(t, dInt, dDec, dDbl)
	numc := pick(g.r, nums)
	num := numc.name
	anyc := pick(g.r, t.cols)
	switch g.r.IntN(9) {
	case 0:
		return aggTerm{expr: pick(g.r, []string{"COUNT(*)", "count(*)", "COUNT(1)"})}
	case 1:
		return aggTerm{expr: "COUNT(" + q(prefix, anyc.name) + ")"}
	case 2, 3:
		return aggTerm{expr: "SUM(" + q(prefix, num) + ")"}
	case 4, 5:
		return aggTerm{expr: "AVG(" + q(prefix, num) + ")"}
	case 6:
		return aggTerm{expr: "MIN(" + q(prefix, anyc.name) + ")", ci: anyc.kind == dStr}
	case 7:
		return aggTerm{expr: "MAX(" + q(prefix, anyc.name) + ")", ci: anyc.kind == dStr}
	default:
		// Expressions over aggregates.
		num2 := pick(g.r, nums).name
		if numc.big {
			// MAX(x)-MIN(x) of BIGINTs near the limits is out of range.
			return aggTerm{expr: "SUM(" + q(prefix, num) + ")/COUNT(*)"}
		}
		return aggTerm{expr: pick(g.r, []string{
			"SUM(" + q(prefix, num) + ")/COUNT(*)",
			"MAX(" + q(prefix, num) + ")-MIN(" + q(prefix, num) + ")",
			"COUNT(*)+1",
			"SUM(" + q(prefix, num) + ") * 2",
			"COUNT(" + q(prefix, num) + ") / COUNT(*)",
			"-SUM(" + q(prefix, num) + ")",
			"AVG(" + q(prefix, num) + ") + 1",
			"SUM(" + q(prefix, num) + ") - SUM(" + q(prefix, num2) + ")",
			"MAX(" + q(prefix, num) + ") > 100",
			"COUNT(*) DIV 2",
			"SUM(" + q(prefix, num) + ") IS NULL",
		})}
	}
}

// aggScalar: aggregates without GROUP BY (one row).
func (g *diffGen) aggScalar(t *dtable) diffQuery {
	b := &qb{g: g}
	n := 1 + g.r.IntN(5)
	var sel []string
	ci := false
	for i := 0; i < n; i++ {
		a := g.agg(t, "")
		ci = ci || a.ci
		if chance(g.r, 0.2) {
			a.expr += fmt.Sprintf(" AS a%d", i)
		}
		sel = append(sel, a.expr)
	}
	if chance(g.r, 0.25) {
		c := pick(g.r, t.cols).name
		sel = append(sel, "COUNT(DISTINCT "+c+")")
		ci = true
	}
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + t.name + g.where(t, "", b, 0.35)
	return diffQuery{kind: "aggregate " + t.name, sql: sql, args: b.args, ordered: true, ci: ci}
}

// groupBy: GROUP BY 1-2 columns with aggregates, HAVING, ORDER BY, LIMIT.
func (g *diffGen) groupBy(t *dtable) diffQuery {
	b := &qb{g: g}
	gcs := g.groupCols(t)
	groups := []dcol{pick(g.r, gcs)}
	if chance(g.r, 0.3) {
		if c := pick(g.r, gcs); c.name != groups[0].name {
			groups = append(groups, c)
		}
	}
	ci := false
	var gnames []string
	for _, c := range groups {
		gnames = append(gnames, c.name)
		ci = ci || c.kind == dStr
	}
	var sel []string
	showGroups := chance(g.r, 0.9)
	if showGroups {
		sel = append(sel, gnames...)
	}
	nAgg := 1 + g.r.IntN(4)
	countAlias := ""
	for i := 0; i < nAgg; i++ {
		a := g.agg(t, "")
		ci = ci || a.ci
		if i == 0 && chance(g.r, 0.3) {
			a.expr, countAlias = "COUNT(*) AS n", "n"
		}
		sel = append(sel, a.expr)
	}
	if chance(g.r, 0.2) {
		sel = append(sel, "COUNT(DISTINCT "+pick(g.r, t.cols).name+")")
		ci = true
	}
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + t.name + g.where(t, "", b, 0.25) + " GROUP BY " + strings.Join(gnames, ", ")
	if chance(g.r, 0.35) {
		nums := g.cols(t, dInt, dDec, dDbl)
		num := pick(g.r, nums).name
		h := pick(g.r, []string{
			"COUNT(*) > " + b.literal(int64(g.r.IntN(6)+1)),
			"SUM(" + num + ") > " + b.literal(int64(g.r.IntN(2000))),
			"MIN(" + num + ") IS NOT NULL",
			"AVG(" + num + ") < " + b.literal(int64(g.r.IntN(5000))),
			"COUNT(*) >= 2 AND MAX(" + num + ") > 0",
		})
		if countAlias != "" && chance(g.r, 0.5) {
			h = countAlias + " > 1"
		}
		sql += " HAVING " + h
	}
	out := diffQuery{kind: "group by " + t.name, ci: ci}
	switch g.r.IntN(4) {
	case 0: // no ORDER BY: MariaDB sorts the groups by the GROUP BY list
		out.ordered = true
	case 1:
		var ob []string
		for _, n := range gnames {
			ob = append(ob, n+dir(g.r))
		}
		sql += " ORDER BY " + strings.Join(ob, ", ")
		out.ordered = true
	case 2:
		first := "COUNT(*)"
		if countAlias != "" {
			first = countAlias
		} else if chance(g.r, 0.5) {
			first = "SUM(" + pick(g.r, g.cols(t, dInt, dDec)).name + ")"
		}
		ob := []string{first + dir(g.r)}
		for _, n := range gnames {
			ob = append(ob, n+dir(g.r))
		}
		sql += " ORDER BY " + strings.Join(ob, ", ")
		out.ordered = true
	default:
		if showGroups {
			var ob []string
			for i := range gnames {
				ob = append(ob, strconv.Itoa(i+1)+dir(g.r))
			}
			sql += " ORDER BY " + strings.Join(ob, ", ")
		} else {
			sql += " ORDER BY " + strings.Join(gnames, ", ")
		}
		out.ordered = true
	}
	if out.ordered && chance(g.r, 0.4) {
		sql += g.limit(b)
	}
	out.sql, out.args = sql, b.args
	return out
}

// distinct: SELECT DISTINCT with or without a total ORDER BY.
func (g *diffGen) distinct(t *dtable) diffQuery {
	b := &qb{g: g}
	gcs := g.groupCols(t)
	cols := []string{pick(g.r, gcs).name}
	if chance(g.r, 0.4) {
		if c := pick(g.r, t.cols).name; c != cols[0] {
			cols = append(cols, c)
		}
	}
	sql := "SELECT DISTINCT " + strings.Join(cols, ", ") + " FROM " + t.name + g.where(t, "", b, 0.2)
	// The merge shows each distinct row as one MariaDB does on a scan of
	// the table, the first read of it (distinct.go); the order without
	// ORDER BY is the first read's too, but a WHERE that reads through an
	// index reads in another: compared as a multiset then.
	// orders has KEY (cust_id): a WHERE on it can read through that
	// index, whose first row of a spelling is not the lowest key's.
	out := diffQuery{kind: "distinct " + t.name, ci: t.name == "orders"}
	if chance(g.r, 0.6) {
		var ob []string
		for _, c := range cols {
			ob = append(ob, c+dir(g.r))
		}
		sql += " ORDER BY " + strings.Join(ob, ", ")
		out.ordered = true
		if chance(g.r, 0.4) {
			sql += g.limit(b)
		}
	}
	out.sql, out.args = sql, b.args
	return out
}

// countDistinct: COUNT(DISTINCT x), alone or per group.
func (g *diffGen) countDistinct(t *dtable) diffQuery {
	b := &qb{g: g}
	c := pick(g.r, t.cols).name
	extra := ""
	if chance(g.r, 0.5) {
		extra = ", " + g.agg(t, "").expr
	}
	if chance(g.r, 0.5) {
		sql := "SELECT COUNT(DISTINCT " + c + ")" + extra + " FROM " + t.name + g.where(t, "", b, 0.3)
		return diffQuery{kind: "count distinct " + t.name, sql: sql, args: b.args, ordered: true, ci: true}
	}
	gc := pick(g.r, g.groupCols(t)).name
	sql := "SELECT " + gc + ", COUNT(DISTINCT " + c + ")" + extra + " FROM " + t.name + g.where(t, "", b, 0.3) + " GROUP BY " + gc + " ORDER BY " + gc + dir(g.r)
	return diffQuery{kind: "count distinct by group " + t.name, sql: sql, args: b.args, ordered: true, ci: true}
}

// point: single-shard queries on one shard-key value.
func (g *diffGen) point(t *dtable) diffQuery {
	b := &qb{g: g}
	w := " WHERE " + t.key + " = " + g.keyValue(t, b)
	switch g.r.IntN(4) {
	case 0:
		return diffQuery{kind: "point " + t.name, sql: "SELECT * FROM " + t.name + w + " ORDER BY " + t.pk, args: b.args, ordered: true}
	case 1:
		return diffQuery{kind: "point aggregate " + t.name, sql: "SELECT COUNT(*), " + g.agg(t, "").expr + " FROM " + t.name + w, args: b.args, ordered: true, ci: true}
	case 2:
		// Features refused over several shards work on one.
		c := pick(g.r, t.cols).name
		return diffQuery{kind: "point " + t.name, sql: "SELECT " + c + ", COUNT(*) FROM " + t.name + w + " GROUP BY " + c + " ORDER BY " + c, args: b.args, ordered: true, ci: true}
	default:
		return diffQuery{kind: "point " + t.name, sql: "SELECT " + t.pk + ", " + pick(g.r, t.cols).name + " FROM " + t.name + w + " AND " + g.pred(t, "", pick(g.r, t.cols), b), args: b.args}
	}
}

// coJoin: customers JOIN orders on the shard key (co-located).
func (g *diffGen) coJoin() diffQuery {
	c, o := g.d.t("customers"), g.d.t("orders")
	b := &qb{g: g}
	var from string
	switch g.r.IntN(5) {
	case 0:
		from = "customers c LEFT JOIN orders o ON c.cust_id = o.cust_id"
	case 1:
		from = "customers c, orders o"
	case 2:
		from = "orders o JOIN customers c ON o.cust_id = c.cust_id"
	default:
		from = "customers c JOIN orders o ON c.cust_id = o.cust_id"
	}
	var preds []string
	if strings.HasPrefix(from, "customers c, ") {
		preds = append(preds, "c.cust_id = o.cust_id")
	}
	if chance(g.r, 0.25) {
		preds = append(preds, "c.cust_id = "+g.keyValue(c, b))
	}
	for i := g.r.IntN(3); i > 0; i-- {
		if chance(g.r, 0.5) {
			preds = append(preds, g.pred(c, "c.", pick(g.r, c.cols[1:]), b))
		} else {
			preds = append(preds, g.pred(o, "o.", pick(g.r, o.cols[2:]), b))
		}
	}
	where := ""
	if len(preds) > 0 {
		where = " WHERE " + strings.Join(preds, " AND ")
	}
	if chance(g.r, 0.35) {
		gc := pick(g.r, []string{"c.tier", "c.region_id", "o.status", "c.name", "o.qty"})
		aggs := []string{"COUNT(*)", pick(g.r, []string{"SUM(o.amount)", "AVG(o.qty)", "MAX(c.balance)", "MIN(o.ordered_at)", "SUM(o.weight)", "COUNT(o.order_id)", "SUM(o.amount)/COUNT(*)", "COUNT(DISTINCT o.cust_id)"})}
		sql := "SELECT " + gc + ", " + strings.Join(aggs, ", ") + " FROM " + from + where + " GROUP BY " + gc
		if chance(g.r, 0.7) {
			sql += " ORDER BY " + gc + dir(g.r)
			if chance(g.r, 0.3) {
				sql += g.limit(b)
			}
			return diffQuery{kind: "co-located join group", sql: sql, args: b.args, ordered: true, ci: true}
		}
		return diffQuery{kind: "co-located join group", sql: sql, args: b.args, ci: true}
	}
	sel := "c.cust_id, c.name, o.order_id, o.status, o.amount"
	if chance(g.r, 0.3) {
		sel = "c.name, c.tier, o.order_id, o.qty * 2, o.weight, o.ordered_at"
	}
	sql := "SELECT " + sel + " FROM " + from + where
	if chance(g.r, 0.8) {
		ob := "o.order_id" + dir(g.r)
		if strings.Contains(from, "LEFT JOIN") {
			ob = "c.cust_id" + dir(g.r) + ", " + ob
		} else if chance(g.r, 0.4) {
			ob = pick(g.r, []string{"c.name", "o.amount", "c.tier DESC", "o.status"}) + ", " + ob
		}
		sql += " ORDER BY " + ob
		if chance(g.r, 0.4) {
			sql += g.limit(b)
		}
		return diffQuery{kind: "co-located join", sql: sql, args: b.args, ordered: true}
	}
	return diffQuery{kind: "co-located join", sql: sql, args: b.args}
}

// bcJoin: sharded tables joined with the broadcast table regions.
func (g *diffGen) bcJoin() diffQuery {
	o, c := g.d.t("orders"), g.d.t("customers")
	b := &qb{g: g}
	switch g.r.IntN(4) {
	case 0, 1:
		join := pick(g.r, []string{"JOIN", "LEFT JOIN"})
		sql := "SELECT o.order_id, o.amount, r.rname, r.zone FROM orders o " + join + " regions r ON o.region_id = r.region_id" + g.where(o, "o.", b, 0.25)
		if chance(g.r, 0.8) {
			sql += " ORDER BY " + pick(g.r, []string{"", "r.zone, ", "r.rname DESC, ", "o.amount, "}) + "o.order_id" + dir(g.r)
			if chance(g.r, 0.3) {
				sql += g.limit(b)
			}
			return diffQuery{kind: "broadcast join", sql: sql, args: b.args, ordered: true}
		}
		return diffQuery{kind: "broadcast join", sql: sql, args: b.args}
	case 2:
		gc := pick(g.r, []string{"r.zone", "r.rname", "r.region_id"})
		sql := "SELECT " + gc + ", COUNT(*), " + pick(g.r, []string{"SUM(o.amount)", "AVG(o.weight)", "MAX(o.ordered_at)", "SUM(r.pop)", "AVG(o.amount)"}) +
			" FROM orders o JOIN regions r ON o.region_id = r.region_id" + g.where(o, "o.", b, 0.2) + " GROUP BY " + gc + " ORDER BY " + gc + dir(g.r)
		return diffQuery{kind: "broadcast join group", sql: sql, args: b.args, ordered: true, ci: true}
	default:
		sql := "SELECT c.cust_id, c.name, o.order_id, r.rname FROM customers c JOIN orders o ON c.cust_id = o.cust_id JOIN regions r ON r.region_id = c.region_id" +
			g.where(c, "c.", b, 0.3) + " ORDER BY o.order_id" + dir(g.r)
		return diffQuery{kind: "co-located + broadcast join", sql: sql, args: b.args, ordered: true}
	}
}

// unsharded: notes (default shard) and regions (broadcast), where any SQL
// works because one shard answers.
func (g *diffGen) unsharded() diffQuery {
	n := g.d.t("notes")
	b := &qb{g: g}
	switch g.r.IntN(8) {
	case 0:
		return diffQuery{kind: "unsharded", sql: "SELECT * FROM notes" + g.where(n, "", b, 0) + " ORDER BY note_id" + dir(g.r), args: b.args, ordered: true}
	case 1:
		return diffQuery{kind: "unsharded group", sql: "SELECT prio, COUNT(*), GROUP_CONCAT(note_id ORDER BY note_id) FROM notes" + g.where(n, "", b, 0) + " GROUP BY prio ORDER BY prio", args: b.args, ordered: true}
	case 2:
		return diffQuery{kind: "unsharded window", sql: "SELECT note_id, prio, ROW_NUMBER() OVER (PARTITION BY prio ORDER BY note_id) AS rn FROM notes ORDER BY note_id", args: b.args, ordered: true}
	case 3:
		return diffQuery{kind: "unsharded subquery", sql: "SELECT note_id, body FROM notes WHERE prio = (SELECT MAX(prio) FROM notes) ORDER BY note_id", args: b.args, ordered: true}
	case 4:
		return diffQuery{kind: "unsharded + broadcast join", sql: "SELECT n.note_id, r.rname FROM notes n JOIN regions r ON r.region_id = n.prio + 1" + g.where(n, "n.", b, 0) + " ORDER BY n.note_id", args: b.args, ordered: true}
	case 5:
		return diffQuery{kind: "broadcast", sql: "SELECT * FROM regions" + g.where(g.d.t("regions"), "", b, 0) + " ORDER BY region_id", args: b.args, ordered: true}
	case 6:
		return diffQuery{kind: "broadcast group", sql: "SELECT zone, COUNT(*), SUM(pop) FROM regions GROUP BY zone ORDER BY zone", ordered: true, ci: true}
	default:
		return diffQuery{kind: "unsharded union", sql: "SELECT body FROM notes WHERE prio = 1 UNION SELECT rname FROM regions", ci: true}
	}
}

// dumps: every table in full, in primary key order.
func (g *diffGen) dumps() []diffQuery {
	var out []diffQuery
	for _, t := range g.d.tables {
		out = append(out, diffQuery{kind: "dump " + t.name, sql: "SELECT * FROM " + t.name + " ORDER BY " + t.pk, ordered: true})
	}
	return out
}

// next draws one query from the template mix.
func (g *diffGen) next() diffQuery {
	t := pick(g.r, g.shardedTables())
	switch w := g.r.IntN(100); {
	case w < 20:
		return g.plain(t)
	case w < 32:
		return g.aggScalar(t)
	case w < 50:
		return g.groupBy(t)
	case w < 57:
		return g.distinct(t)
	case w < 63:
		return g.countDistinct(t)
	case w < 71:
		return g.point(t)
	case w < 83:
		return g.coJoin()
	case w < 92:
		return g.bcJoin()
	default:
		return g.unsharded()
	}
}

// probes: fixed queries for cases the random mix reaches only by chance.
func (g *diffGen) probes() []diffQuery {
	d := g.d
	c := d.t("customers")
	ni := c.colIndex("name")
	var keys []int64
	var names []string
	for _, r := range c.rows {
		if r[ni] != nil && len(keys) < 6 {
			keys = append(keys, r[0].(int64))
			names = append(names, r[ni].(string))
		}
	}
	lits := func(xs any) string {
		var parts []string
		switch v := xs.(type) {
		case []int64:
			for _, x := range v {
				parts = append(parts, sqlLit(x))
			}
		case []string:
			for _, x := range v {
				parts = append(parts, sqlLit(x))
			}
		}
		return strings.Join(parts, ", ")
	}
	k := keys[0]
	item := d.t("items").rows[7][0].(int64)
	ev := d.t("events").rows[20][0].(int64)
	return []diffQuery{
		// Whole-table scans without ORDER BY: MariaDB answers in primary
		// key order, and a LIMIT gives its first rows.
		{kind: "probe scan order", sql: "SELECT * FROM customers", ordered: true},
		{kind: "probe scan order", sql: "SELECT * FROM orders LIMIT 7", ordered: true},
		{kind: "probe scan order", sql: "SELECT * FROM events LIMIT 5 OFFSET 40", ordered: true},
		{kind: "probe scan order", sql: "SELECT * FROM items LIMIT ?, ?", args: []any{int64(3), int64(6)}, ordered: true},
		// BIT_* merge by their own operation; GROUP_CONCAT in the order
		// of its arguments (numbers: no values equal apart from spelling).
		{kind: "probe bit", sql: "SELECT status, BIT_OR(qty), BIT_AND(qty), BIT_XOR(order_id) FROM orders GROUP BY status", ordered: true, ci: true},
		{kind: "probe group_concat", sql: "SELECT status, GROUP_CONCAT(qty ORDER BY qty), GROUP_CONCAT(DISTINCT region_id ORDER BY region_id DESC SEPARATOR '|') FROM orders GROUP BY status", ordered: true, ci: true},
		{kind: "probe group_concat", sql: "SELECT GROUP_CONCAT(DISTINCT cust_id), COUNT(*) FROM orders WHERE order_id < 200", ordered: true},
		// SUM and AVG of distinct values: each value once across shards.
		{kind: "probe sum distinct", sql: "SELECT SUM(DISTINCT qty), AVG(DISTINCT qty), SUM(DISTINCT amount), AVG(DISTINCT weight) FROM orders", ordered: true},
		{kind: "probe sum distinct", sql: "SELECT status, SUM(DISTINCT qty), AVG(DISTINCT amount), COUNT(DISTINCT cust_id) FROM orders GROUP BY status", ordered: true, ci: true},
		// IFNULL and COALESCE of a SUM or AVG with a number that fits it.
		{kind: "probe ifnull", sql: "SELECT status, IFNULL(SUM(qty), 0), COALESCE(AVG(amount), 0) FROM orders GROUP BY status", ordered: true, ci: true},
		{kind: "probe ifnull", sql: "SELECT IFNULL(SUM(amount), 0), COALESCE(AVG(qty), 1) FROM orders WHERE order_id < 0", ordered: true},
		{kind: "probe ifnull", sql: "SELECT status, COALESCE(MAX(qty), -1), IFNULL(MIN(amount), 0), IFNULL(MAX(order_id), 0) FROM orders GROUP BY status", ordered: true, ci: true},
		{kind: "probe ifnull", sql: "SELECT qty, COALESCE(MAX(status), 'none'), IFNULL(MIN(status), '') FROM orders GROUP BY qty", ordered: true, ci: true},
		// A GROUP BY on an integer shard key (mod and range tables): each
		// shard computes its groups whole, any aggregate included.
		{kind: "probe groups on shard", sql: "SELECT item_id, COUNT(*), SUM(price), GROUP_CONCAT(sku), STDDEV(rating), BIT_OR(stock) FROM items GROUP BY item_id", ordered: true, ci: true},
		{kind: "probe groups on shard", sql: "SELECT id, kind, COUNT(*), GROUP_CONCAT(val ORDER BY val DESC) FROM events WHERE id < 150 GROUP BY id, kind ORDER BY COUNT(*) DESC, kind LIMIT 7", ordered: true, ci: true},
		{kind: "probe groups on shard", sql: "SELECT e.id, MAX(e.val), BIT_XOR(e.val) FROM events e GROUP BY e.id DESC LIMIT 5", ordered: true},
		// A hash key of unknown type: partial aggregates, merged.
		{kind: "probe groups on shard", sql: "SELECT cust_id, SUM(amount) s FROM orders GROUP BY cust_id HAVING COUNT(*) > 1 ORDER BY s DESC, cust_id LIMIT 7", ordered: true},
		{kind: "probe groups on shard", sql: "SELECT c.cust_id, COUNT(o.order_id), SUM(o.qty) FROM customers c LEFT JOIN orders o ON o.cust_id = c.cust_id GROUP BY c.cust_id ORDER BY COUNT(o.order_id), c.cust_id LIMIT 25", ordered: true},
		// IF, CASE and NULLIF over aggregates.
		// Columns neither grouped nor aggregated: the first row read of
		// each group, the lowest key on a scan of the table (carried.go).
		{kind: "probe carried", sql: "SELECT status, amount, COUNT(*) FROM orders", ordered: true},
		{kind: "probe carried", sql: "SELECT qty, status, UPPER(status), order_id, COUNT(*), SUM(amount) FROM orders GROUP BY qty ORDER BY qty", ordered: true},
		{kind: "probe carried", sql: "SELECT tier, name, age + 1, COUNT(*) FROM customers GROUP BY tier ORDER BY tier", ordered: true},
		{kind: "probe carried", sql: "SELECT region_id, status FROM orders WHERE qty > ? GROUP BY region_id HAVING COUNT(*) > 1 ORDER BY region_id", args: []any{int64(2)}, ordered: true},
		{kind: "probe case strings", sql: "SELECT status, IF(SUM(qty) > 10, 'many', 'few') AS n, CASE WHEN COUNT(*) > 3 THEN 'big' WHEN COUNT(*) > 1 THEN 'small' END FROM orders GROUP BY status ORDER BY n, status", ordered: true, ci: true},
		{kind: "probe case nullif", sql: "SELECT status, IF(SUM(qty) > 10, 1, 0), CASE WHEN COUNT(*) > 3 THEN SUM(amount) WHEN COUNT(*) > 1 THEN 0.5 ELSE -1 END, SUM(amount) / NULLIF(COUNT(qty), 0) FROM orders GROUP BY status", ordered: true, ci: true},
		{kind: "probe case nullif", sql: "SELECT status, GREATEST(MAX(qty), 3), LEAST(SUM(amount), 1000.5, MIN(qty)) FROM orders GROUP BY status", ordered: true, ci: true},
		// ABS, FLOOR and CEIL of aggregates.
		{kind: "probe abs floor", sql: "SELECT status, ABS(SUM(amount)), FLOOR(AVG(amount)), CEIL(AVG(qty)), FLOOR(AVG(weight)) FROM orders GROUP BY status", ordered: true, ci: true},
		// ROUND and TRUNCATE of an aggregate of an integer or DECIMAL.
		{kind: "probe round", sql: "SELECT status, ROUND(AVG(amount), 1), TRUNCATE(AVG(qty), 2), ROUND(SUM(amount)) FROM orders GROUP BY status", ordered: true, ci: true},
		{kind: "probe round", sql: "SELECT ROUND(AVG(qty)), ROUND(MAX(qty), 2), TRUNCATE(SUM(amount), 1) FROM orders WHERE order_id < 0", ordered: true},
		{kind: "probe round", sql: "SELECT status, ROUND(SUM(amount) / COUNT(*), 2), ROUND(AVG(weight), 1), TRUNCATE(SUM(qty) * 1.5, 1) FROM orders GROUP BY status", ordered: true, ci: true},
		// An IN list on another column before the IN list on the shard
		// key: the per-shard IN rewrite must trim the key's list.
		{kind: "probe IN before key IN", sql: "SELECT cust_id, name FROM customers WHERE name IN (" + lits(names) + ") AND cust_id IN (" + lits(keys[:3]) + ") ORDER BY cust_id", ordered: true},
		{kind: "probe IN before key IN", sql: "SELECT cust_id, name FROM customers WHERE name IN (" + lits(names[:2]) + ") AND cust_id IN (" + lits(keys) + ") ORDER BY cust_id", ordered: true},
		{kind: "probe IN before key IN", sql: "SELECT COUNT(*), SUM(amount) FROM orders WHERE status IN ('new', 'paid', 'shipped', 'cancelled', 'x', 'y', 'z') AND cust_id IN (" + lits(d.custIDs[:4]) + ")", ordered: true},
		{kind: "probe key IN before IN", sql: "SELECT cust_id, name FROM customers WHERE cust_id IN (" + lits(keys[:3]) + ") AND name IN (" + lits(names) + ") ORDER BY cust_id", ordered: true},
		// Shard-key values spelled as strings, decimals, doubles: MariaDB
		// compares them as numbers with the BIGINT column.
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT cust_id FROM customers WHERE cust_id = '%d'", k), ordered: true},
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT cust_id FROM customers WHERE cust_id = '00%d'", k), ordered: true},
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT cust_id FROM customers WHERE cust_id = %d.0", k), ordered: true},
		{kind: "probe key spelling", sql: "SELECT cust_id FROM customers WHERE cust_id = ?", args: []any{float64(k)}, ordered: true},
		{kind: "probe key spelling", sql: "SELECT cust_id FROM customers WHERE cust_id = ?", args: []any{fmt.Sprintf("%d", k)}, ordered: true},
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT order_id FROM orders WHERE cust_id IN ('%d', %d.0) ORDER BY order_id", d.custIDs[1], d.custIDs[2]), ordered: true},
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT item_id, sku FROM items WHERE item_id = '0%d'", item), ordered: true},
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT item_id, sku FROM items WHERE item_id IN ('%d', '%d.0')", item, item+1), ordered: false},
		{kind: "probe key spelling", sql: fmt.Sprintf("SELECT id FROM events WHERE id = '%d'", ev), ordered: true},
		// Range keys bounded by strings compare as numbers ('50' < '150').
		{kind: "probe range spelling", sql: "SELECT id FROM events WHERE id BETWEEN '50' AND '150' ORDER BY id", ordered: true},
		{kind: "probe range spelling", sql: "SELECT COUNT(*) FROM events WHERE id > '99' AND id < '201'", ordered: true},
		{kind: "probe range spelling", sql: "SELECT COUNT(*) FROM events WHERE id >= 99.5 AND id <= 200.5", ordered: true},
		{kind: "probe range spelling", sql: "SELECT COUNT(*) FROM events WHERE id BETWEEN ? AND ?", args: []any{"50", "150"}, ordered: true},
		{kind: "probe range spelling", sql: "SELECT COUNT(*) FROM items WHERE item_id BETWEEN '5' AND '40'", ordered: true},
		// NULL in a key IN list, empty results, keys nowhere.
		{kind: "probe key NULL", sql: fmt.Sprintf("SELECT cust_id FROM customers WHERE cust_id IN (%d, NULL) ORDER BY cust_id", k), ordered: true},
		{kind: "probe key NULL", sql: "SELECT COUNT(*), SUM(balance), MIN(name) FROM customers WHERE cust_id = ?", args: []any{nil}, ordered: true},
		{kind: "probe empty", sql: "SELECT COUNT(*), SUM(balance), AVG(score), MAX(created) FROM customers WHERE cust_id < 0", ordered: true},
		{kind: "probe empty", sql: "SELECT tier, COUNT(*) FROM customers WHERE cust_id < 0 GROUP BY tier", ordered: false},
		{kind: "probe empty", sql: "SELECT COUNT(*) FROM orders LIMIT 1 OFFSET 1", ordered: true},
		{kind: "probe empty", sql: "SELECT cust_id FROM customers ORDER BY cust_id LIMIT 0", ordered: true},
		// Aliases, positions, expressions, names as written.
		{kind: "probe names", sql: "SELECT YEAR(created) AS y, COUNT(*), SUM(balance) FROM customers GROUP BY YEAR(created) ORDER BY y", ordered: true},
		{kind: "probe names", sql: "SELECT YEAR(created) AS y, COUNT(*) FROM customers GROUP BY y ORDER BY y DESC", ordered: true},
		{kind: "probe names", sql: "SELECT qty % 3 AS m, COUNT(*), AVG(amount) FROM orders GROUP BY qty % 3 ORDER BY m", ordered: true},
		{kind: "probe names", sql: "SELECT cust_id, balance * 2 AS b2 FROM customers ORDER BY b2, cust_id LIMIT 12", ordered: true},
		{kind: "probe names", sql: "SELECT name, cust_id FROM customers ORDER BY 1 DESC, 2 LIMIT 15", ordered: true},
		{kind: "probe names", sql: "SELECT CUST_ID, Name, customers.tier FROM customers ORDER BY CUST_ID LIMIT 5", ordered: true},
		{kind: "probe names", sql: "SELECT 1 AS one, 'x' AS s, cust_id FROM customers ORDER BY cust_id LIMIT 3", ordered: true},
		{kind: "probe names", sql: "SELECT c.*, o.order_id FROM customers c JOIN orders o ON c.cust_id = o.cust_id ORDER BY o.order_id LIMIT 20", ordered: true},
		{kind: "probe names", sql: "SELECT tier AS t, COUNT(*) AS n FROM customers GROUP BY t HAVING t <> 'bronze' ORDER BY n DESC, t", ordered: true, ci: true},
		// DISTINCT over aggregates. Not over expressions of aggregates:
		// MariaDB 10.11 itself answers SELECT DISTINCT tier, COUNT(*) > 5
		// ... GROUP BY tier, region_id wrongly (it drops rows, as if the
		// expression were computed before the groups are complete), so
		// it is no reference there.
		{kind: "probe names", sql: "SELECT DISTINCT tier, COUNT(*) FROM customers GROUP BY tier, region_id", ci: true},
		{kind: "probe names", sql: "SELECT DISTINCT COUNT(*) FROM orders GROUP BY status, qty ORDER BY 1 DESC", ordered: true},
		{kind: "probe names", sql: "SELECT tier, region_id, COUNT(*), COUNT(*) > 5 FROM customers GROUP BY tier, region_id ORDER BY tier, region_id", ordered: true, ci: true},
		{kind: "probe names", sql: "SELECT MIN(DISTINCT qty), MAX(DISTINCT amount), COUNT(DISTINCT qty) FROM orders", ordered: true},
		// Key filters on the second table of a co-located join, IN lists
		// over every range shard.
		{kind: "probe join key", sql: "SELECT c.cust_id, o.order_id FROM customers c JOIN orders o ON c.cust_id = o.cust_id WHERE o.cust_id IN (" + lits(keys) + ") ORDER BY o.order_id", ordered: true},
		{kind: "probe join key", sql: fmt.Sprintf("SELECT COUNT(*), SUM(o.amount) FROM customers c JOIN orders o ON c.cust_id = o.cust_id WHERE o.cust_id = %d", keys[1]), ordered: true},
		// A broadcast table kept by an outer join: exact on the one shard
		// WHERE picks.
		{kind: "probe outer join", sql: fmt.Sprintf("SELECT r.region_id, r.rname, c.cust_id FROM regions r LEFT JOIN customers c ON c.region_id = r.region_id WHERE c.cust_id = %d ORDER BY r.region_id", keys[2]), ordered: true},
		{kind: "probe join key", sql: "SELECT o.status, COUNT(*) FROM orders o JOIN customers c USING (cust_id) WHERE c.cust_id IN (" + lits(keys) + ") GROUP BY o.status ORDER BY o.status", ordered: true, ci: true},
		{kind: "probe range IN", sql: "SELECT id, kind FROM events WHERE id IN (5, 150, 250, 251, 99, 100, 199, 200) ORDER BY id", ordered: true},
		{kind: "probe range IN", sql: "SELECT kind, id FROM events WHERE kind IN ('click', 'view', 'buy', 'x') AND id IN (5, 150, 250) ORDER BY id", ordered: true},
	}
}

// ---------------------------------------------------------------- nested

// nested: subqueries and derived tables the proxy runs: pinned to one
// shard by the same key value in every SELECT, subqueries over the
// broadcast table, key IN (SELECT key) and EXISTS correlated on the key
// between the co-located customers and orders, derived tables without
// aggregation that span shards.
func (g *diffGen) nested() diffQuery {
	c, o := g.d.t("customers"), g.d.t("orders")
	b := &qb{g: g}
	key := func() int64 { return g.sampleValue(c, c.col("cust_id")).(int64) }
	switch g.r.IntN(17) {
	case 0:
		k := key()
		return diffQuery{kind: "nested pinned scalar", sql: "SELECT order_id, amount FROM orders WHERE cust_id = " + b.v(k) +
			" AND amount " + pick(g.r, []string{">", "<=", "<>"}) + " (SELECT AVG(amount) FROM orders WHERE cust_id = " + b.v(k) + ") ORDER BY order_id", args: b.args, ordered: true}
	case 1:
		k := key()
		return diffQuery{kind: "nested pinned derived group", sql: "SELECT d.status, d.n, d.s FROM (SELECT status, COUNT(*) AS n, SUM(amount) AS s FROM orders WHERE cust_id = " + b.v(k) +
			" GROUP BY status) d WHERE d.n >= " + b.v(int64(g.r.IntN(2)+1)) + " ORDER BY d.status", args: b.args, ordered: true, ci: true}
	case 2:
		k := key()
		return diffQuery{kind: "nested pinned derived join", sql: "SELECT c.name, d.cnt, d.total FROM customers c JOIN (SELECT cust_id, COUNT(*) AS cnt, SUM(amount) AS total FROM orders WHERE cust_id = " + b.v(k) +
			" GROUP BY cust_id) d ON d.cust_id = c.cust_id WHERE c.cust_id = " + b.v(k), args: b.args, ordered: true}
	case 3:
		k := key()
		not := pick(g.r, []string{"", "NOT "})
		return diffQuery{kind: "nested pinned exists", sql: "SELECT cust_id, name FROM customers WHERE cust_id = " + b.v(k) + " AND " + not +
			"EXISTS (SELECT 1 FROM orders WHERE cust_id = " + b.v(k) + " AND " + g.pred(o, "", pick(g.r, o.cols[2:]), b) + ")", args: b.args, ordered: true}
	case 4:
		k := key()
		return diffQuery{kind: "nested pinned window", sql: "SELECT order_id, ROW_NUMBER() OVER (ORDER BY amount, order_id) AS rn, SUM(qty) OVER (PARTITION BY status) AS sq FROM (SELECT * FROM orders WHERE cust_id = " + b.v(k) +
			") d ORDER BY order_id", args: b.args, ordered: true}
	case 5:
		k := key()
		return diffQuery{kind: "nested pinned broadcast", sql: "SELECT o.order_id, o.region_id FROM orders o WHERE o.cust_id = " + b.v(k) +
			" AND o.region_id IN (SELECT r.region_id FROM regions r WHERE r.zone <> " + b.v(pick(g.r, diffZones)) + ") ORDER BY o.order_id", args: b.args, ordered: true}
	case 6:
		sql := "SELECT o.order_id, o.amount FROM orders o WHERE EXISTS (SELECT 1 FROM regions r WHERE r.region_id = o.region_id AND r.zone = " + b.v(pick(g.r, diffZones)) + ")" +
			" ORDER BY o.order_id"
		if chance(g.r, 0.4) {
			sql += g.limit(b)
		}
		return diffQuery{kind: "nested broadcast exists", sql: sql, args: b.args, ordered: true}
	case 7:
		not := pick(g.r, []string{"", "NOT "})
		return diffQuery{kind: "nested broadcast in", sql: "SELECT status, COUNT(*), SUM(amount) FROM orders WHERE region_id " + not + "IN (SELECT region_id FROM regions WHERE pop > " + b.v(g.r.Int64N(5_000_000)) + ")" +
			" GROUP BY status ORDER BY status", args: b.args, ordered: true, ci: true}
	case 8:
		sql := "SELECT cust_id, name FROM customers WHERE cust_id IN (SELECT cust_id FROM orders WHERE " + g.pred(o, "", pick(g.r, o.cols[2:]), b) + ")" + g.andPred(c, "", b) + " ORDER BY cust_id"
		return diffQuery{kind: "nested co-located in", sql: sql, args: b.args, ordered: true}
	case 9:
		return diffQuery{kind: "nested co-located in", sql: "SELECT COUNT(*), SUM(o.amount) FROM orders o WHERE o.cust_id IN (SELECT c.cust_id FROM customers c WHERE " + g.pred(c, "c.", pick(g.r, c.cols[1:]), b) + ")", args: b.args, ordered: true}
	case 10:
		not := pick(g.r, []string{"", "NOT "})
		return diffQuery{kind: "nested co-located exists", sql: "SELECT COUNT(*), MAX(o.order_id) FROM orders o WHERE " + not + "EXISTS (SELECT 1 FROM customers c WHERE c.cust_id = o.cust_id AND " + g.pred(c, "c.", pick(g.r, c.cols[1:]), b) + ")", args: b.args, ordered: true}
	case 11:
		return diffQuery{kind: "nested derived count", sql: "SELECT COUNT(*), SUM(d.amount), MIN(d.ordered_at) FROM (SELECT order_id, amount, ordered_at FROM orders" + g.where(o, "", b, 0.3) + ") d", args: b.args, ordered: true}
	case 12:
		t := pick(g.r, g.shardedTables())
		gc := pick(g.r, g.groupCols(t)).name
		num := pick(g.r, g.cols(t, dInt, dDec)).name
		inner := gc + ", " + num
		if num == gc {
			inner = gc // a derived table's columns need distinct names
		}
		sql := "SELECT d." + gc + ", COUNT(*), SUM(d." + num + ") FROM (SELECT " + inner + " FROM " + t.name + g.where(t, "", b, 0.3) + ") d GROUP BY d." + gc + " ORDER BY d." + gc
		return diffQuery{kind: "nested derived group", sql: sql, args: b.args, ordered: true, ci: true}
	case 14:
		// Distinct ids on both sides: no ties for the ORDER BY.
		sql := "SELECT order_id, amount, status FROM orders" + g.where(o, "", b, 0.5) + " UNION ALL SELECT order_id + 1000000, qty, UPPER(status) FROM orders" + g.where(o, "", b, 0.5) + " ORDER BY 1 DESC"
		if chance(g.r, 0.5) {
			sql += g.limit(b)
		}
		return diffQuery{kind: "nested union all", sql: sql, args: b.args, ordered: true}
	case 15:
		sql := "SELECT status FROM orders" + g.where(o, "", b, 0.5) + " UNION SELECT status FROM orders" + g.where(o, "", b, 0.5) + " ORDER BY status"
		return diffQuery{kind: "nested union", sql: sql, args: b.args, ordered: true, ci: true}
	case 13:
		// Expressions without aliases: the columns take the client's text
		// as their names.
		sql := "SELECT * FROM (SELECT order_id, amount * 2, qty + 1, 'x' FROM orders" + g.where(o, "", b, 0.3) + ") d ORDER BY order_id"
		return diffQuery{kind: "nested derived names", sql: sql, args: b.args, ordered: true}
	default:
		sql := "SELECT x.order_id, x.tier, x.amount FROM (SELECT o.order_id, c.tier, o.amount FROM customers c JOIN orders o ON o.cust_id = c.cust_id" + g.where(c, "c.", b, 0.3) + ") x" +
			" WHERE x.amount > " + b.v(genDecimal(g.r)) + " ORDER BY x.order_id"
		if chance(g.r, 0.4) {
			sql += g.limit(b)
		}
		return diffQuery{kind: "nested derived join", sql: sql, args: b.args, ordered: true}
	}
}

// andPred is " AND " and a predicate on t, or nothing.
func (g *diffGen) andPred(t *dtable, prefix string, b *qb) string {
	if chance(g.r, 0.5) {
		return ""
	}
	return " AND " + g.pred(t, prefix, pick(g.r, t.cols), b)
}

// nestedProbes: fixed subqueries and derived tables.
func (g *diffGen) nestedProbes() []diffQuery {
	k := g.d.custIDs[3]
	return []diffQuery{
		{kind: "probe nested", sql: "SELECT * FROM customers WHERE cust_id IN (SELECT cust_id FROM orders) ORDER BY cust_id", ordered: true},
		{kind: "probe nested", sql: "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM regions r WHERE r.region_id = o.region_id) ORDER BY order_id", ordered: true},
		{kind: "probe nested", sql: "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.cust_id = o.cust_id)", ordered: true},
		{kind: "probe nested", sql: "SELECT COUNT(*) FROM (SELECT * FROM events) d", ordered: true},
		{kind: "probe nested", sql: "SELECT * FROM (SELECT id, kind FROM events WHERE id BETWEEN ? AND ?) d ORDER BY id DESC", args: []any{int64(90), int64(210)}, ordered: true},
		{kind: "probe nested", sql: "SELECT (SELECT COUNT(*) FROM orders WHERE cust_id = ?) AS n, name FROM customers WHERE cust_id = ?", args: []any{k, k}, ordered: true},
		{kind: "probe nested", sql: fmt.Sprintf("SELECT name FROM customers WHERE cust_id = %d AND cust_id IN (SELECT cust_id FROM orders WHERE cust_id = %d UNION SELECT cust_id FROM customers WHERE cust_id = %d)", k, k, k), ordered: true},
		{kind: "probe nested", sql: fmt.Sprintf("SELECT * FROM (SELECT * FROM (SELECT order_id, amount FROM orders WHERE cust_id = %d) a WHERE a.amount > 0) b ORDER BY order_id", k), ordered: true},
		{kind: "probe nested", sql: "SELECT cust_id FROM customers WHERE cust_id = ? AND cust_id IN (SELECT cust_id FROM orders WHERE cust_id = NULL)", args: []any{k}, ordered: true},
		{kind: "probe nested union", sql: "SELECT order_id FROM orders WHERE cust_id = ? UNION ALL SELECT cust_id FROM customers WHERE cust_id = ? ORDER BY 1", args: []any{k, k}, ordered: true},
		{kind: "probe nested union", sql: fmt.Sprintf("SELECT rname FROM regions UNION SELECT name FROM customers WHERE cust_id = %d", k), ci: true},
		{kind: "probe nested union", sql: fmt.Sprintf("SELECT status FROM orders WHERE cust_id = %d EXCEPT SELECT status FROM orders WHERE cust_id = %d AND qty > 3", k, k), ci: true},
	}
}
