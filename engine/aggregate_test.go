package engine

import (
	"strconv"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestAggregateMergesPartials(t *testing.T) {
	// Shard partials of: SELECT g, COUNT(*), SUM(d), MIN(d), MAX(d), AVG(d) FROM t GROUP BY g
	// with d DECIMAL(10,2); each shard sends g, COUNT(*), SUM(d), MIN(d), MAX(d), COUNT(d).
	cols := []*mysql.Field{strField("g"), countField("COUNT(*)"), decField("SUM(d)", 2), decField("MIN(d)", 2), decField("MAX(d)", 2), countField("COUNT(d)")}
	shard0 := FromSlice(cols, rowsOf(
		[]string{"a", "2", "3.00", "1.00", "2.00", "2"},
		[]string{"b", "1", "NULL", "NULL", "NULL", "0"},
	))
	shard1 := FromSlice(cols, rowsOf(
		[]string{"A", "1", "2.00", "2.00", "2.00", "1"},
		[]string{"NULL", "3", "-1.25", "-1.25", "-1.25", "1"},
	))
	aggs := []Agg{
		{Fn: AggCount, Col: 1, Name: "COUNT(*)"},
		{Fn: AggSum, Col: 2, Name: "SUM(d)"},
		{Fn: AggMin, Col: 3, Name: "MIN(d)"},
		{Fn: AggMax, Col: 4, Name: "MAX(d)"},
		{Fn: AggAvg, Col: 2, CountCol: 5, Name: "AVG(d)"},
	}
	a := Aggregate(Concat([]Rows{shard0, shard1}), []int{0}, aggs)
	got := mustCollectShown(t, a)
	// 'a' and 'A' are one group (first text kept); AVG = 5.00/3 = 1.666666 -> 1.666667.
	want := []string{"a|3|5.00|1.00|2.00|1.666667", "b|1|NULL|NULL|NULL|NULL", "NULL|3|-1.25|-1.25|-1.25|-1.250000"}
	if !equalStrings(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	f := a.Columns()
	if len(f) != 6 || string(f[0].Name) != "g" {
		t.Fatalf("columns %d", len(f))
	}
	// MariaDB 10.11: COUNT(*) is LONGLONG, flags NOT_NULL|BINARY, charset 63, length 21.
	if f[1].Type != mysql.MYSQL_TYPE_LONGLONG || f[1].Flag != mysql.NOT_NULL_FLAG|mysql.BINARY_FLAG || f[1].Charset != 63 || f[1].ColumnLength != 21 || string(f[1].Name) != "COUNT(*)" {
		t.Errorf("COUNT field %+v", f[1])
	}
	if f[2].Type != mysql.MYSQL_TYPE_NEWDECIMAL || f[2].Decimal != 2 || string(f[2].Name) != "SUM(d)" {
		t.Errorf("SUM field %+v", f[2])
	}
	if f[3].Type != mysql.MYSQL_TYPE_NEWDECIMAL || f[3].Decimal != 2 || string(f[3].Name) != "MIN(d)" {
		t.Errorf("MIN field %+v", f[3])
	}
	// MariaDB 10.11: AVG of DECIMAL(10,2) is NEWDECIMAL with 6 decimals (2 + div_precision_increment).
	if f[5].Type != mysql.MYSQL_TYPE_NEWDECIMAL || f[5].Decimal != 6 {
		t.Errorf("AVG field %+v", f[5])
	}
}

func TestAggregateAvg(t *testing.T) {
	cases := []struct {
		name      string
		sumField  *mysql.Field
		parts     [][]string // partial sum, partial count
		want      string
		wantType  byte
		wantScale uint8
	}{
		// MariaDB 10.11: SELECT AVG(x) FROM (1),(2) -> 1.5000 (INT column: SUM is DECIMAL(,0)).
		{"int", decField("SUM(x)", 0), [][]string{{"1", "1"}, {"2", "1"}}, "1.5000", mysql.MYSQL_TYPE_NEWDECIMAL, 4},
		// AVG over 1,2,2 -> 1.6667 (rounded half up).
		{"int thirds", decField("SUM(x)", 0), [][]string{{"1", "1"}, {"4", "2"}}, "1.6667", mysql.MYSQL_TYPE_NEWDECIMAL, 4},
		// AVG(-x) over 1,2,2 -> -1.6667.
		{"negative", decField("SUM(x)", 0), [][]string{{"-5", "3"}}, "-1.6667", mysql.MYSQL_TYPE_NEWDECIMAL, 4},
		// DECIMAL(10,5) 0.00001,0.00001,0: 5+4 = 9 digits, MariaDB truncates -> 0.000006666.
		{"decimal truncation", decField("SUM(x)", 5), [][]string{{"0.00001", "2"}, {"0.00001", "1"}}, "0.000006666", mysql.MYSQL_TYPE_NEWDECIMAL, 9},
		// DECIMAL(30,25) 1.1234567890123456789012345, 2, 3 -> 2.04115226300411522630041150000.
		{"decimal 29", decField("SUM(x)", 25), [][]string{{"3.1234567890123456789012345", "2"}, {"3.0000000000000000000000000", "1"}}, "2.04115226300411522630041150000", mysql.MYSQL_TYPE_NEWDECIMAL, 29},
		// DECIMAL(38,36): scale 36+4 capped at 38 -> 0.20833333333333333333333333333333333333.
		{"decimal cap 38", decField("SUM(x)", 36), [][]string{{"0.625000000000000000000000000000000000", "3"}}, "0.20833333333333333333333333333333333333", mysql.MYSQL_TYPE_NEWDECIMAL, 38},
		// DOUBLE: AVG(g) -> 1.3 for 0.1 and 2.5 (Decimals 31).
		{"double", doubleField("SUM(g)", 31), [][]string{{"2.6", "2"}}, "1.3", mysql.MYSQL_TYPE_DOUBLE, 31},
		// DOUBLE(10,2) 1.25, 2.5 -> AVG 1.875000 (Decimals 6); FLOAT(7,3) -> 7 decimals.
		{"double fixed", doubleField("SUM(g)", 2), [][]string{{"1.25", "1"}, {"2.50", "1"}}, "1.875000", mysql.MYSQL_TYPE_DOUBLE, 6},
		{"float fixed", doubleField("SUM(h)", 3), [][]string{{"3.625", "2"}}, "1.8125000", mysql.MYSQL_TYPE_DOUBLE, 7},
		{"all null", decField("SUM(x)", 2), [][]string{{"NULL", "0"}, {"NULL", "0"}}, "NULL", mysql.MYSQL_TYPE_NEWDECIMAL, 6},
		// A zero quotient has no fraction digits; it prints at the scale.
		{"zeros", decField("SUM(x)", 0), [][]string{{"0", "2"}, {"0", "1"}}, "0.0000", mysql.MYSQL_TYPE_NEWDECIMAL, 4},
	}
	for _, c := range cases {
		cols := []*mysql.Field{c.sumField, countField("COUNT(x)")}
		var data []Row
		for _, p := range c.parts {
			data = append(data, row(p...))
		}
		a := Aggregate(FromSlice(cols, data), nil, []Agg{{Fn: AggAvg, Col: 0, CountCol: 1, Name: "AVG(x)"}})
		got := mustCollectShown(t, a)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: got %v, want %s", c.name, got, c.want)
		}
		if f := a.Columns()[0]; f.Type != c.wantType || f.Decimal != c.wantScale || string(f.Name) != "AVG(x)" {
			t.Errorf("%s: field type %d decimals %d", c.name, f.Type, f.Decimal)
		}
	}
}

func TestAggregateSumAndMinMax(t *testing.T) {
	// SUM of DOUBLE partials (MariaDB: SUM(double) is DOUBLE, Decimals 31).
	cols := []*mysql.Field{doubleField("SUM(g)", 31), strField("MIN(s)"), strField("MAX(s)"), temporalField("MAX(t)", mysql.MYSQL_TYPE_TIME, 0), bigintField("SUM(c)", false)}
	data := rowsOf(
		[]string{"0.1", "b", "b", "-838:59:59", "9223372036854775807"},
		[]string{"0.2", "ABC", "zz", "12:00:00", "9223372036854775807"},
		[]string{"NULL", "abc", "ZZ", "100:00:00", "1"},
		[]string{"1e20", "é", "a\t", "-00:00:01", "NULL"},
	)
	got := mustCollect(t, Aggregate(FromSlice(cols, data), nil, []Agg{
		{Fn: AggSum, Col: 0, Name: "s"}, {Fn: AggMin, Col: 1, Name: "mn"}, {Fn: AggMax, Col: 2, Name: "mx"},
		{Fn: AggMax, Col: 3, Name: "mt"}, {Fn: AggSum, Col: 4, Name: "si"},
	}))
	// 0.1+0.2 = 0.30000000000000004, +1e20 -> 1e20; MIN keeps the first of ABC/abc;
	// integer partial sums add exactly beyond BIGINT.
	want := []string{"1e20|ABC|zz|100:00:00|18446744073709551615"}
	if !equalStrings(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got = mustCollect(t, Aggregate(FromSlice(cols, data[:2]), nil, []Agg{{Fn: AggSum, Col: 0, Name: "s"}}))
	if got[0] != "0.30000000000000004" {
		t.Fatalf("double sum %v", got)
	}
}

func TestAggregateEmptyAndCountDistinct(t *testing.T) {
	cols := []*mysql.Field{intField("g"), countField("COUNT(*)"), decField("SUM(x)", 0), strField("x")}
	aggs := []Agg{{Fn: AggCount, Col: 1, Name: "c"}, {Fn: AggSum, Col: 2, Name: "s"}, {Fn: AggMin, Col: 3, Name: "m"}, {Fn: AggCountDistinct, Col: 3, Name: "cd"}}
	// MariaDB 10.11: SELECT COUNT(*), SUM(x), MIN(x), COUNT(DISTINCT x) FROM empty -> 0, NULL, NULL, 0.
	got := mustCollect(t, Aggregate(FromSlice(cols, nil), nil, aggs))
	if !equalStrings(got, []string{"0|NULL|NULL|0"}) {
		t.Fatalf("empty, no group by: %v", got)
	}
	// With GROUP BY an empty input has no rows.
	if got := mustCollect(t, Aggregate(FromSlice(cols, nil), []int{0}, aggs)); len(got) != 0 {
		t.Fatalf("empty with group by: %v", got)
	}
	// COUNT(DISTINCT x): one input row per (group, value) per shard; values equal
	// under utf8mb4_general_ci count once, NULL never.
	dcols := []*mysql.Field{intField("g"), strField("x")}
	s0 := FromSlice(dcols, rowsOf([]string{"1", "a"}, []string{"1", "b"}, []string{"2", "NULL"}))
	s1 := FromSlice(dcols, rowsOf([]string{"1", "A"}, []string{"1", "c "}, []string{"2", "x"}, []string{"1", "c"}))
	got = mustCollect(t, Aggregate(Concat([]Rows{s0, s1}), []int{0}, []Agg{{Fn: AggCountDistinct, Col: 1, Name: "COUNT(DISTINCT x)"}}))
	if !equalStrings(got, []string{"1|3", "2|1"}) {
		t.Fatalf("count distinct: %v", got)
	}
	// SUM and AVG (DISTINCT x): one input row per (group, x) per shard, its
	// SUM(DISTINCT x); each distinct value adds once, NULL never.
	scols := []*mysql.Field{intField("g"), decField("SUM(DISTINCT x)", 2)}
	s0 = FromSlice(scols, rowsOf([]string{"1", "1.50"}, []string{"1", "2.00"}, []string{"2", "NULL"}))
	s1 = FromSlice(scols, rowsOf([]string{"1", "1.50"}, []string{"1", "-1.00"}, []string{"2", "4.00"}))
	got = mustCollectShown(t, Aggregate(Concat([]Rows{s0, s1}), []int{0}, []Agg{
		{Fn: AggSum, Col: 1, Name: "SUM(DISTINCT x)", Distinct: true},
		{Fn: AggAvg, Col: 1, CountCol: -1, Name: "AVG(DISTINCT x)", Distinct: true}}))
	if !equalStrings(got, []string{"1|2.50|0.833333", "2|4.00|4.000000"}) {
		t.Fatalf("sum and avg distinct: %v", got)
	}
	// Bad columns are reported.
	if _, err := Aggregate(FromSlice(cols, nil), []int{9}, aggs).Next(); err == nil {
		t.Fatal("bad group-by column accepted")
	}
	if _, err := Aggregate(FromSlice(cols, nil), nil, []Agg{{Fn: AggAvg, Col: 2, CountCol: 9}}).Next(); err == nil {
		t.Fatal("bad AVG count column accepted")
	}
}

func TestAggregateGroupsNumerically(t *testing.T) {
	cols := []*mysql.Field{decField("d", 2), doubleField("x", 31), countField("c")}
	data := rowsOf([]string{"1.50", "1e2", "1"}, []string{"1.5", "100", "2"}, []string{"-0.00", "0.1", "3"}, []string{"0.00", "0.10", "4"})
	got := mustCollect(t, Aggregate(FromSlice(cols, data), []int{0, 1}, []Agg{{Fn: AggCount, Col: 2, Name: "c"}}))
	if !equalStrings(got, []string{"1.50|1e2|3", "-0.00|0.1|7"}) {
		t.Fatalf("got %v", got)
	}
}

func TestAvgLength(t *testing.T) {
	// SUM and AVG lengths as MariaDB 10.11 answers them.
	tests := []struct {
		arg      string
		sumLen   uint32
		sumScale int
		want     uint32
	}{
		{"DECIMAL(12,2)", 36, 2, 18},
		{"INT", 33, 0, 16},
		{"INT UNSIGNED", 33, 0, 16},
		{"BIGINT", 42, 0, 25},
		{"TINYINT", 26, 0, 9},
		{"DECIMAL(60,10): SUM at the longest decimal", 67, 10, 67},
	}
	for _, tc := range tests {
		if got := avgLength(tc.sumLen, tc.sumScale); got != tc.want {
			t.Errorf("AVG(%s): length %d, want %d", tc.arg, got, tc.want)
		}
	}
}

func TestMinMaxFieldOfStringKinds(t *testing.T) {
	// MIN/MAX without GROUP BY on MariaDB 10.11 (checked): a string has 39
	// decimals; an ENUM becomes a VARCHAR with 0; a UUID or INET6 (a string
	// type marked UNSIGNED|BINARY) keeps 0 decimals and loses BINARY.
	enum := strField("e")
	enum.Flag |= mysql.ENUM_FLAG
	enum.Type = mysql.MYSQL_TYPE_STRING
	uuid := strField("u")
	uuid.Type, uuid.Flag = mysql.MYSQL_TYPE_STRING, mysql.UNSIGNED_FLAG|mysql.BINARY_FLAG
	tests := []struct {
		name      string
		in        *mysql.Field
		wantType  byte
		wantDec   uint8
		wantFlags uint16
	}{
		{"varchar", strField("s"), strField("s").Type, 39, strField("s").Flag},
		{"enum", enum, mysql.MYSQL_TYPE_VAR_STRING, 0, enum.Flag &^ mysql.ENUM_FLAG},
		{"uuid", uuid, mysql.MYSQL_TYPE_STRING, 0, mysql.UNSIGNED_FLAG},
	}
	for _, tc := range tests {
		in := FromSlice([]*mysql.Field{tc.in}, rowsOf([]string{"x"}))
		f := Aggregate(in, nil, []Agg{{Fn: AggMin, Col: 0, Name: "MIN(x)"}}).Columns()[0]
		if f.Type != tc.wantType || f.Decimal != tc.wantDec || f.Flag != tc.wantFlags {
			t.Errorf("%s: MIN field type %d decimals %d flags %#x, want %d %d %#x", tc.name, f.Type, f.Decimal, f.Flag, tc.wantType, tc.wantDec, tc.wantFlags)
		}
	}
}

// A merged AVG keeps its quotient's digits for the arithmetic and ROUND
// that use it, as MariaDB's Item_sum_avg does, and prints and compares at
// its scale (checked on 10.11: AVG(d) of 1.25, 2.50, 0.10 prints 1.283333,
// AVG(d) * 100 is 128.333333, ROUND(AVG(d), 7) 1.2833333, AVG(d) =
// 1.283333 is true, AVG(d) > 1.283333 false).
func TestAvgKeepsItsQuotient(t *testing.T) {
	cols := []*mysql.Field{decField("SUM(d)", 2), countField("COUNT(d)")}
	avg := func() Rows {
		return Aggregate(FromSlice(cols, rowsOf([]string{"3.85", "3"})), nil, []Agg{{Fn: AggAvg, Col: 0, CountCol: 1, Name: "AVG(d)"}})
	}
	times100, _ := Binary("*", Col(0), Lit("100", LitInt))
	equal, _ := Binary("=", Col(0), Lit("1.283333", LitDecimal))
	greater, _ := Binary(">", Col(0), Lit("1.283333", LitDecimal))
	got := mustCollect(t, Compute(avg(), []Expr{Col(0), times100, Round(Col(0), 7, false), equal, greater, IfNull("IFNULL", Col(0), Lit("0", LitInt))}, nil, nil, nil))
	if want := []string{"1.283333|128.333333|1.2833333|1|0|1.283333"}; !equalStrings(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := mustCollect(t, Filter(avg(), greater, nil)); len(got) != 0 {
		t.Errorf("HAVING AVG(d) > 1.283333 kept %v", got)
	}
}

// COUNT(DISTINCT x, y): one input row per (group, x, y) per shard; a
// tuple counts once across shards, under each column's collation, and
// not at all with a NULL in it. The tuple's key cannot be confused by
// where one value ends ('ab','c' against 'a','bc').
func TestAggregateCountDistinctTuples(t *testing.T) {
	cols := []*mysql.Field{intField("g"), strField("x"), strField("y")}
	s0 := FromSlice(cols, rowsOf([]string{"1", "a", "b"}, []string{"1", "ab", "c"}, []string{"1", "NULL", "z"}, []string{"2", "q", "NULL"}))
	s1 := FromSlice(cols, rowsOf([]string{"1", "A", "b "}, []string{"1", "a", "bc"}, []string{"2", "q", "r"}))
	a := Aggregate(Concat([]Rows{s0, s1}), []int{0}, []Agg{{Fn: AggCountDistinct, Col: 1, More: []int{2}, Name: "COUNT(DISTINCT x, y)"}})
	if got := mustCollect(t, a); !equalStrings(got, []string{"1|3", "2|1"}) {
		t.Errorf("got %v, want 1|3 (a,b  ab,c  a,bc), 2|1", got)
	}
}

// TestAggregateRepresentative: with a Rep MIN a group shows the group
// values of the row with its lowest value, not of the first row met.
func TestAggregateRepresentative(t *testing.T) {
	cols := []*mysql.Field{strField("s"), countField("COUNT(*)"), intField("MIN(k)")}
	data := rowsOf(
		[]string{"A", "1", "4"}, // the first shard's spelling
		[]string{"b", "2", "2"},
		[]string{"a", "1", "1"}, // the lowest key: its spelling stands
		[]string{"B ", "1", "6"},
		[]string{"x", "1", "NULL"},
	)
	got := mustCollect(t, Aggregate(FromSlice(cols, data), []int{0}, []Agg{
		{Fn: AggCount, Col: 1, Name: "n"}, {Fn: AggMin, Col: 2, Name: "rep", Rep: true},
	}))
	want := []string{"a|2|1", "b|3|2", "x|1|NULL"}
	if !equalStrings(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// One representative, and only a MIN.
	for _, aggs := range [][]Agg{
		{{Fn: AggMax, Col: 2, Name: "rep", Rep: true}},
		{{Fn: AggMin, Col: 2, Name: "a", Rep: true}, {Fn: AggMin, Col: 2, Name: "b", Rep: true}},
	} {
		if _, err := Collect(Aggregate(FromSlice(cols, data), []int{0}, aggs)); err == nil {
			t.Errorf("%+v: no error", aggs)
		}
	}
}

// TestAggregateAny: a column neither grouped nor aggregated takes the value
// of the row that stands for the group: the Rep MIN's lowest, else the
// first row met (NULL included).
func TestAggregateAny(t *testing.T) {
	cols := []*mysql.Field{strField("s"), strField("name"), intField("MIN(k)")}
	data := rowsOf(
		[]string{"A", "NULL", "4"},
		[]string{"a", "first", "1"},
		[]string{"b", "x", "NULL"}, // an empty shard's row: no key
		[]string{"B", "y", "6"},
	)
	got := mustCollect(t, Aggregate(FromSlice(cols, data), []int{0}, []Agg{
		{Fn: AggAny, Col: 1, Name: "name"}, {Fn: AggMin, Col: 2, Name: "rep", Rep: true},
	}))
	want := []string{"a|first|1", "B|y|6"}
	if !equalStrings(got, want) {
		t.Fatalf("with a representative: got %v, want %v", got, want)
	}
	got = mustCollect(t, Aggregate(FromSlice(cols, data), []int{0}, []Agg{{Fn: AggAny, Col: 1, Name: "name"}}))
	want = []string{"A|NULL", "b|x"}
	if !equalStrings(got, want) {
		t.Fatalf("without: got %v, want %v", got, want)
	}
}

// AVG of a FLOAT or DOUBLE takes its display length from the shard's own
// AVG(x) (ShapeCol): MariaDB derives it from x's, which the partial SUM
// does not tell (checked on 10.11: AVG of a FLOAT(7,3) is 11 long, its
// SUM 20); so does an exact AVG whose SUM's precision is capped.
func TestAvgLengthFromTheShardsAvg(t *testing.T) {
	sum := &mysql.Field{Name: []byte("SUM(f)"), Type: mysql.MYSQL_TYPE_DOUBLE, Charset: binaryCharset, ColumnLength: 20, Decimal: 3, Flag: mysql.BINARY_FLAG}
	shape := &mysql.Field{Name: []byte("AVG(f)"), Type: mysql.MYSQL_TYPE_DOUBLE, Charset: binaryCharset, ColumnLength: 11, Decimal: 7, Flag: mysql.BINARY_FLAG}
	cols := []*mysql.Field{sum, countField("COUNT(f)"), shape}
	f := Aggregate(FromSlice(cols, rowsOf([]string{"7.5", "3", "2.5"})), nil, []Agg{{Fn: AggAvg, Col: 0, CountCol: 1, ShapeCol: 2, Name: "AVG(f)"}}).Columns()[0]
	if f.ColumnLength != 11 || f.Decimal != 7 || f.Type != mysql.MYSQL_TYPE_DOUBLE {
		t.Errorf("AVG of a FLOAT(7,3): type %d length %d decimals %d, want DOUBLE 11 7", f.Type, f.ColumnLength, f.Decimal)
	}
	// A DECIMAL(65)'s SUM is capped at 65 digits (66 long): the shard's
	// AVG tells its length, 71 (checked on 10.11).
	sum65, avg65 := decField("SUM(d)", 0), decField("AVG(d)", 4)
	sum65.ColumnLength, avg65.ColumnLength = 66, 71
	dec := []*mysql.Field{sum65, countField("COUNT(d)"), avg65}
	exact := Aggregate(FromSlice(dec, rowsOf([]string{"3", "3", "1.0000"})), nil, []Agg{{Fn: AggAvg, Col: 0, CountCol: 1, ShapeCol: 2, Name: "AVG(d)"}}).Columns()[0]
	if exact.ColumnLength != 71 || exact.Decimal != 4 {
		t.Errorf("AVG of a DECIMAL(65): length %d decimals %d, want 71 4 (the shard's AVG)", exact.ColumnLength, exact.Decimal)
	}
	noShape := Aggregate(FromSlice(dec, rowsOf([]string{"3", "3", "1.0000"})), nil, []Agg{{Fn: AggAvg, Col: 0, CountCol: 1, Name: "AVG(d)"}}).Columns()[0]
	if want := avgLength(66, 0); noShape.ColumnLength != want {
		t.Errorf("AVG of a DECIMAL without the shard's AVG: length %d, want %d (from its SUM)", noShape.ColumnLength, want)
	}
}

// TestAggregateBits: the shards' BIT_OR, BIT_AND and BIT_XOR of a group
// combine by the same operation; a shard without rows answers the
// identity, and so does an empty input without GROUP BY (MariaDB 10.11:
// 0, 18446744073709551615, 0).
func TestAggregateBits(t *testing.T) {
	f := func(name string) *mysql.Field {
		return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_LONGLONG, Charset: 63, ColumnLength: 21, Flag: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG | mysql.BINARY_FLAG}
	}
	cols := []*mysql.Field{intField("g"), f("BIT_OR(x)"), f("BIT_AND(x)"), f("BIT_XOR(x)")}
	aggs := []Agg{{Fn: AggBitOr, Col: 1, Name: "o"}, {Fn: AggBitAnd, Col: 2, Name: "a"}, {Fn: AggBitXor, Col: 3, Name: "x"}}
	s0 := FromSlice(cols, rowsOf([]string{"1", "6", "6", "6"}, []string{"2", "0", "18446744073709551615", "0"}))
	s1 := FromSlice(cols, rowsOf([]string{"1", "12", "4", "10"}, []string{"2", "1", "1", "1"}))
	got := mustCollect(t, Aggregate(Concat([]Rows{s0, s1}), []int{0}, aggs))
	if want := []string{"1|14|4|12", "2|1|1|1"}; !equalStrings(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := mustCollect(t, Aggregate(FromSlice(cols, nil), nil, aggs)); !equalStrings(got, []string{"0|18446744073709551615|0"}) {
		t.Fatalf("empty: %v", got)
	}
	out := Aggregate(FromSlice(cols, nil), nil, aggs).Columns()
	if out[0].Flag&mysql.UNSIGNED_FLAG == 0 || string(out[0].Name) != "o" {
		t.Errorf("BIT_OR field %+v", out[0])
	}
	if _, err := Aggregate(FromSlice(cols, rowsOf([]string{"1", "x", "1", "1"})), nil, aggs).Next(); err == nil {
		t.Error("a bad partial was accepted")
	}
}

// TestAggregateGroupConcat: the shards' pieces of a GROUP_CONCAT (one per
// group and argument value) are joined in the order of the arguments,
// with the separator as the function writes it; DISTINCT keeps one piece
// of equal values across shards; NULL pieces add nothing (an all-NULL
// group is NULL). Equal values spelt apart, in a piece or across pieces,
// and a value reaching the session's group_concat_max_len (counted in the
// function's character set) are refused.
func TestAggregateGroupConcat(t *testing.T) {
	// g, x, @@group_concat_max_len, piece, piece+separator, their lengths, x spelt alike, its collation
	cols := []*mysql.Field{intField("g"), strField("x"), intField("max"), strField("gc"), strField("gcs"), intField("l"), intField("ls"), intField("same"), strField("coll")}
	gc := func(desc, distinct bool) []Agg {
		return []Agg{{Fn: AggGroupConcat, Col: 3, Name: "gc", Distinct: distinct,
			Concat: &GroupConcat{Keys: []int{1}, Desc: []bool{desc}, SameCols: []int{7}, CollationCols: []int{8}, MaxLenCol: 2, WithSepCol: 4, LenCol: 5, WithSepLenCol: 6}}}
	}
	coll := "utf8mb4_general_ci"
	piece := func(g, x, max, p string, same string) Row {
		if p == "NULL" {
			return row(g, x, max, "NULL", "NULL", "NULL", "NULL", same, coll)
		}
		return row(g, x, max, p, p+"; ", strconv.Itoa(len(p)), strconv.Itoa(len(p)+2), same, coll)
	}
	s0 := []Row{piece("1", "b", "100", "b; b", "1"), piece("1", "", "100", "", "1"), piece("2", "NULL", "100", "NULL", "1"), piece("3", "a", "100", "a", "1")}
	s1 := []Row{piece("1", "a", "100", "a", "1"), piece("1", "c", "100", "c", "1"), piece("3", "a", "100", "a", "1")}
	run := func(aggs []Agg, groupBy []int, r1, r2 []Row) ([]string, error) {
		rows, err := Collect(Aggregate(Concat([]Rows{FromSlice(cols, r1), FromSlice(cols, r2)}), groupBy, aggs))
		return texts(rows), err
	}
	got, err := run(gc(false, false), []int{0}, s0, s1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1|; a; b; b; c", "2|NULL", "3|a; a"}; !equalStrings(got, want) {
		t.Errorf("ascending: %v, want %v", got, want)
	}
	got, _ = run(gc(true, true), []int{0}, s0, s1)
	if want := []string{"1|c; b; b; a; ", "2|NULL", "3|a"}; !equalStrings(got, want) {
		t.Errorf("descending, distinct: %v, want %v", got, want)
	}
	if got, _ := run(gc(false, false), nil, nil, nil); !equalStrings(got, []string{"NULL"}) {
		t.Errorf("empty: %v", got)
	}
	for name, rows := range map[string][][]Row{
		"spelt apart across shards": {{piece("1", "b", "100", "b", "1")}, {piece("1", "B", "100", "B", "1")}},
		"spelt apart in a piece":    {{piece("1", "b", "100", "b; B", "0")}, nil},
	} {
		if _, err := run(gc(false, true), []int{0}, rows[0], rows[1]); err == nil || !strings.Contains(err.Error(), "spelt apart") {
			t.Errorf("%s: %v", name, err)
		}
	}
	short := []Row{piece("1", "a", "9", "aaaa", "1"), piece("1", "b", "9", "b", "1")}
	if got, err := run(gc(false, false), []int{0}, short, nil); err != nil || !equalStrings(got, []string{"1|aaaa; b"}) {
		t.Errorf("at the limit: %v %v", got, err)
	}
	if _, err := run(gc(false, false), []int{0}, short, []Row{piece("1", "c", "9", "c", "1")}); err == nil || !strings.Contains(err.Error(), "group_concat_max_len (9 bytes)") {
		t.Errorf("over the limit: %v", err)
	}
	// Orders the merge's comparisons do not follow are refused.
	enum := *strField("e")
	enum.Flag |= mysql.ENUM_FLAG
	for _, f := range []*mysql.Field{{Type: mysql.MYSQL_TYPE_FLOAT, Decimal: 31}, &enum} {
		c := append([]*mysql.Field{}, cols...)
		c[1] = f
		if _, err := Collect(Aggregate(FromSlice(c, nil), []int{0}, gc(false, false))); err == nil {
			t.Errorf("%+v: no error", f)
		}
	}
	// The wire's id tells the encoding: any utf8mb4 one (a handshake's
	// utf8mb4_unicode_ci, 224) is read; latin1 text (8) is refused, as by
	// every other key (keyKind).
	for id, refused := range map[uint16]bool{224: false, 33: false, 8: true} {
		c := append([]*mysql.Field{}, cols...)
		c[1] = &mysql.Field{Name: []byte("x"), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: id}
		_, err := Collect(Aggregate(FromSlice(c, []Row{piece("1", "a", "100", "a", "1")}), []int{0}, gc(false, false)))
		if (err != nil) != refused || refused && !strings.Contains(err.Error(), "character set latin1") {
			t.Errorf("argument sent in collation %d: %v, want refused %v", id, err, refused)
		}
	}
	coll = "utf8mb4_unicode_ci"
	if _, err := run(gc(false, false), []int{0}, []Row{piece("1", "a", "100", "a", "1")}, nil); err == nil || !strings.Contains(err.Error(), "collation utf8mb4_unicode_ci") {
		t.Errorf("unicode_ci: %v", err)
	}
}
