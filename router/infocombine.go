package router

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// InfoColumn is a column of a gathered information_schema table, as the
// shard defined it: what the derived table casts its values to.
type InfoColumn struct {
	Name      string
	Type      byte // mysql.MYSQL_TYPE_*
	Unsigned  bool
	Collation string // "binary" for binary strings
	Decimals  uint8
}

// InfoResult is one shard's answer to an InfoRead, or the combined rows;
// a nil value is NULL.
type InfoResult struct {
	Cols []InfoColumn
	Rows [][][]byte
}

func (r *InfoResult) col(name string) int {
	for i, c := range r.Cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// infoAgg says how the rows of a sharded table's parts make the logical
// table's: rows with the same key columns are one row, whose sum columns
// are summed over the shards, min and max columns the least and greatest,
// and avg (AVG_ROW_LENGTH) is DATA_LENGTH / TABLE_ROWS again, as MariaDB
// computes it, and checksum (a MyISAM table's live CHECKSUM) the sum of
// the shards' modulo 2^32, as MariaDB adds its rows' checksums. Other
// tables take the rows of one shard holding the table.
type infoAgg struct {
	key           []string
	sum, min, max []string
	checksum      []string
	avg           bool
}

var infoAggs = map[string]infoAgg{
	"tables": {key: []string{"TABLE_SCHEMA", "TABLE_NAME"},
		sum: []string{"TABLE_ROWS", "DATA_LENGTH", "INDEX_LENGTH", "DATA_FREE"},
		min: []string{"CREATE_TIME"}, max: []string{"UPDATE_TIME", "CHECK_TIME", "AUTO_INCREMENT"}, checksum: []string{"CHECKSUM"}, avg: true},
	"partitions": {key: []string{"TABLE_SCHEMA", "TABLE_NAME", "PARTITION_NAME", "SUBPARTITION_NAME"},
		sum: []string{"TABLE_ROWS", "DATA_LENGTH", "INDEX_LENGTH", "DATA_FREE"},
		min: []string{"CREATE_TIME"}, max: []string{"UPDATE_TIME", "CHECK_TIME"}, avg: true},
	"statistics": {key: []string{"TABLE_SCHEMA", "TABLE_NAME", "INDEX_NAME", "SEQ_IN_INDEX"},
		sum: []string{"CARDINALITY"}},
}

// combine makes the logical rows of table from each shard's (by shard): a
// schema's rows from its default shard, an unsharded table's from the
// schema's default shard, a broadcast table's from its home shard (the
// view's shard when the table has a copy there, else its first), a sharded
// table's from its home shard with counts combined over all its shards.
// information_schema's own rows come from the view's shard only (it is
// read there only).
func (g *InfoGather) combine(table string, byShard map[string]*InfoResult) *InfoResult {
	cols := filteredInfoTables[table]
	order := append([]string{g.view.Shard}, g.rules.Shards()...)
	out := &InfoResult{}
	for _, r := range byShard {
		if r != nil {
			out.Cols = r.Cols
		}
	}
	agg, aggregated := infoAggs[table]
	var parts []*InfoResult // other shards' rows of sharded tables
	seen := map[string]bool{}
	for _, shard := range order {
		r := byShard[shard]
		if r == nil || seen[shard] {
			continue
		}
		seen[shard] = true
		si, ti := r.col(cols.schema), r.col(cols.table)
		if si < 0 || (cols.table != "" && ti < 0) {
			continue
		}
		other := &InfoResult{Cols: r.Cols}
		for _, row := range r.Rows {
			name := ""
			if ti >= 0 {
				name = string(row[ti])
			}
			switch g.keep(string(row[si]), name, shard) {
			case keepRow:
				out.Rows = append(out.Rows, row)
			case partRow:
				other.Rows = append(other.Rows, row)
			}
		}
		parts = append(parts, other)
	}
	if aggregated {
		out.Rows = aggregate(out, parts, agg)
	}
	if table == "tables" && g.view.NextID != nil {
		g.raiseAutoInc(out)
	}
	return out
}

// raiseAutoInc makes a sharded table's AUTO_INCREMENT at least the next id
// the proxy's sequence gives it: the shards' counters pass only the ids
// written, where one server's counter also passes the ids an INSERT
// mixing explicit and generated ids reserved (which the sequence reserves
// alike).
func (g *InfoGather) raiseAutoInc(out *InfoResult) {
	si, ti, ai := out.col("TABLE_SCHEMA"), out.col("TABLE_NAME"), out.col("AUTO_INCREMENT")
	if si < 0 || ti < 0 || ai < 0 {
		return
	}
	for _, row := range out.Rows {
		sc := g.rules.Schema(string(row[si]))
		if sc == nil || row[ai] == nil {
			continue
		}
		if kind, _ := sc.Lookup(string(row[ti])); kind != sharding.Sharded {
			continue
		}
		if next := g.view.NextID(sc.Name, string(row[ti])); next > 0 {
			row[ai] = pickValue(row[ai], []byte(strconv.FormatUint(next, 10)), out.Cols[ai], false)
		}
	}
}

const (
	dropRow = iota
	keepRow // the logical object's row
	partRow // another part of a sharded table: its counts are added
)

func (g *InfoGather) keep(schema, table, shard string) int {
	if isInformationSchema(schema) {
		if shard == g.view.Shard {
			return keepRow
		}
		return dropRow
	}
	sc := g.rules.Schema(schema)
	if sc == nil {
		return dropRow
	}
	if table == "" {
		return boolRow(shard == sc.DefaultShard)
	}
	kind, t := sc.Lookup(table)
	switch {
	case kind == sharding.Unsharded:
		return boolRow(shard == sc.DefaultShard)
	case !contains(t.Shards, shard):
		return dropRow
	case shard == homeShard(t, g.view.Shard):
		return keepRow
	case kind == sharding.Sharded:
		return partRow
	}
	return dropRow
}

func boolRow(b bool) int {
	if b {
		return keepRow
	}
	return dropRow
}

// homeShard is the shard whose rows describe a listed table.
func homeShard(t *sharding.Table, preferred string) string {
	if contains(t.Shards, preferred) {
		return preferred
	}
	return t.Shards[0]
}

// aggregate adds the counts of parts' rows to the rows of out with the
// same key.
func aggregate(out *InfoResult, parts []*InfoResult, agg infoAgg) [][][]byte {
	idx := func(r *InfoResult, names []string) []int {
		var is []int
		for _, n := range names {
			if i := r.col(n); i >= 0 {
				is = append(is, i)
			}
		}
		return is
	}
	keyOf := func(r *InfoResult, row [][]byte) string {
		var b strings.Builder
		for _, i := range idx(r, agg.key) {
			b.WriteString(strconv.Quote(string(row[i])))
			if row[i] == nil {
				b.WriteString("N")
			}
		}
		return b.String()
	}
	rows := make([][][]byte, len(out.Rows))
	byKey := map[string][][]byte{}
	for i, row := range out.Rows {
		rows[i] = append([][]byte(nil), row...)
		byKey[keyOf(out, row)] = rows[i]
	}
	sums, mins, maxs, checksums := idx(out, agg.sum), idx(out, agg.min), idx(out, agg.max), idx(out, agg.checksum)
	for _, p := range parts {
		for _, row := range p.Rows {
			acc := byKey[keyOf(p, row)]
			if acc == nil {
				continue // a part the home shard lacks: the home shard's definition wins
			}
			for _, i := range sums {
				acc[i] = addCounts(acc[i], row[i])
			}
			for _, i := range mins {
				acc[i] = pickValue(acc[i], row[i], out.Cols[i], true)
			}
			for _, i := range maxs {
				acc[i] = pickValue(acc[i], row[i], out.Cols[i], false)
			}
			for _, i := range checksums {
				acc[i] = addChecksums(acc[i], row[i])
			}
		}
	}
	if agg.avg {
		a, d, n := out.col("AVG_ROW_LENGTH"), out.col("DATA_LENGTH"), out.col("TABLE_ROWS")
		if a >= 0 && d >= 0 && n >= 0 {
			for _, row := range rows {
				row[a] = avgRowLength(row[a], row[d], row[n])
			}
		}
	}
	return rows
}

// addCounts adds two unsigned counts; NULL stays NULL unless the other is
// known.
func addCounts(a, b []byte) []byte {
	if a == nil || b == nil {
		if a == nil {
			return b
		}
		return a
	}
	x, err1 := strconv.ParseUint(string(a), 10, 64)
	y, err2 := strconv.ParseUint(string(b), 10, 64)
	if err1 != nil || err2 != nil {
		return a
	}
	return []byte(strconv.FormatUint(x+y, 10))
}

// addChecksums adds two table checksums modulo 2^32; a NULL (a table
// without a live checksum) makes NULL.
func addChecksums(a, b []byte) []byte {
	if a == nil || b == nil {
		return nil
	}
	x, err1 := strconv.ParseUint(string(a), 10, 64)
	y, err2 := strconv.ParseUint(string(b), 10, 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	return []byte(strconv.FormatUint((x+y)%(1<<32), 10))
}

// pickValue is the least (or greatest) of two values, NULLs ignored:
// numbers by value, datetimes by their text (which sorts as they do).
func pickValue(a, b []byte, c InfoColumn, least bool) []byte {
	if a == nil || b == nil {
		if a == nil {
			return b
		}
		return a
	}
	var less bool
	if isIntType(c.Type) {
		x, err1 := strconv.ParseUint(string(a), 10, 64)
		y, err2 := strconv.ParseUint(string(b), 10, 64)
		if err1 != nil || err2 != nil {
			return a
		}
		less = y < x
	} else {
		less = string(b) < string(a)
	}
	if less == least {
		return b
	}
	return a
}

// avgRowLength is MariaDB's AVG_ROW_LENGTH, DATA_LENGTH / TABLE_ROWS (0
// without rows), for the summed counts.
func avgRowLength(cur, data, rows []byte) []byte {
	if cur == nil || data == nil || rows == nil {
		return cur
	}
	d, err1 := strconv.ParseUint(string(data), 10, 64)
	n, err2 := strconv.ParseUint(string(rows), 10, 64)
	if err1 != nil || err2 != nil {
		return cur
	}
	if n == 0 {
		return []byte("0")
	}
	return []byte(strconv.FormatUint(d/n, 10))
}

func isIntType(t byte) bool {
	switch t {
	case mysql.MYSQL_TYPE_TINY, mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG, mysql.MYSQL_TYPE_LONGLONG, mysql.MYSQL_TYPE_YEAR:
		return true
	}
	return false
}

// DerivedTable is the rows as a derived table whose columns have the
// names and types of r.Cols: a UNION ALL of one SELECT of casts per row.
func (r *InfoResult) DerivedTable() string {
	if len(r.Rows) == 0 {
		return "(" + r.selectRow(make([][]byte, len(r.Cols))) + " FROM DUAL WHERE 0)"
	}
	parts := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		parts[i] = r.selectRow(row)
	}
	return "(" + strings.Join(parts, " UNION ALL ") + ")"
}

func (r *InfoResult) selectRow(row [][]byte) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range r.Cols {
		if i > 0 {
			b.WriteString(", ")
		}
		var v []byte
		if i < len(row) {
			v = row[i]
		}
		b.WriteString(castValue(c, v))
		b.WriteString(" AS ")
		b.WriteString(quoteName(c.Name))
	}
	return b.String()
}

// castValue is v as a value of column c's type.
func castValue(c InfoColumn, v []byte) string {
	lit := "NULL"
	number := func() string {
		if v == nil {
			return "NULL"
		}
		if isNumber(v) {
			return string(v)
		}
		return utf8mb3Literal(string(v))
	}
	switch {
	case isIntType(c.Type):
		if c.Unsigned {
			return "CAST(" + number() + " AS UNSIGNED)"
		}
		return "CAST(" + number() + " AS SIGNED)"
	case c.Type == mysql.MYSQL_TYPE_DECIMAL || c.Type == mysql.MYSQL_TYPE_NEWDECIMAL:
		return "CAST(" + number() + " AS DECIMAL(65," + strconv.Itoa(int(min(c.Decimals, 30))) + "))"
	case c.Type == mysql.MYSQL_TYPE_FLOAT || c.Type == mysql.MYSQL_TYPE_DOUBLE:
		return "CAST(" + number() + " AS DOUBLE)"
	}
	if v != nil {
		lit = utf8mb3Literal(string(v))
	}
	frac := ""
	if c.Decimals > 0 && c.Decimals <= 6 {
		frac = "(" + strconv.Itoa(int(c.Decimals)) + ")"
	}
	switch c.Type {
	case mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_DATETIME2, mysql.MYSQL_TYPE_TIMESTAMP2:
		return "CAST(" + lit + " AS DATETIME" + frac + ")"
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE:
		return "CAST(" + lit + " AS DATE)"
	case mysql.MYSQL_TYPE_TIME, mysql.MYSQL_TYPE_TIME2:
		return "CAST(" + lit + " AS TIME" + frac + ")"
	}
	if c.Collation == "binary" {
		if v != nil {
			lit = "X'" + hex.EncodeToString(v) + "'"
		}
		return "CAST(" + lit + " AS BINARY)"
	}
	coll := c.Collation
	if coll == "" {
		coll = "utf8mb3_general_ci"
	}
	cs, _, _ := strings.Cut(coll, "_")
	return "CAST(" + lit + " AS CHAR CHARACTER SET " + cs + ") COLLATE " + coll
}

// isNumber tells whether v is a plain decimal number, safe in SQL text.
func isNumber(v []byte) bool {
	digits := false
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '-' && i == 0, c == '.', c == 'e', c == 'E', c == '+':
		default:
			return false
		}
	}
	return digits
}
