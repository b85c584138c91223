package engine

import (
	"errors"
	"io"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestFromSliceAndCollect(t *testing.T) {
	cols := []*mysql.Field{intField("a")}
	got := mustCollect(t, FromSlice(cols, rowsOf([]string{"1"}, []string{"NULL"})))
	if !equalStrings(got, []string{"1", "NULL"}) {
		t.Fatalf("got %v", got)
	}
	r := FromSlice(cols, nil)
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("empty: %v", err)
	}
}

func TestConcat(t *testing.T) {
	cols := []*mysql.Field{intField("a")}
	a := track(cols, rowsOf([]string{"1"}, []string{"2"}))
	b := track(cols, nil)
	c := track(cols, rowsOf([]string{"3"}))
	cat := Concat([]Rows{a, b, c})
	if len(cat.Columns()) != 1 {
		t.Fatal("columns")
	}
	r, _ := cat.Next()
	if string(r[0]) != "1" || b.nexts != 0 || c.nexts != 0 {
		t.Fatal("Concat must pull lazily")
	}
	got := mustCollect(t, cat)
	if !equalStrings(got, []string{"2", "3"}) {
		t.Fatalf("got %v", got)
	}
	if !a.closed || !b.closed || !c.closed {
		t.Fatal("inputs not closed")
	}
	if _, err := Concat(nil).Next(); err != io.EOF {
		t.Fatal("empty concat")
	}
	// Close before the end closes the remaining inputs.
	d, e := track(cols, rowsOf([]string{"1"})), track(cols, rowsOf([]string{"2"}))
	cat = Concat([]Rows{d, e})
	cat.Next()
	cat.Close()
	if !d.closed || !e.closed {
		t.Fatal("Close must close all inputs")
	}
	// Errors pass through.
	boom := errors.New("boom")
	cat = Concat([]Rows{&failRows{FromSlice(cols, nil), boom}})
	if _, err := cat.Next(); err != boom {
		t.Fatalf("err = %v", err)
	}
}

func TestLimit(t *testing.T) {
	cols := []*mysql.Field{intField("a")}
	data := rowsOf([]string{"1"}, []string{"2"}, []string{"3"}, []string{"4"}, []string{"5"})
	cases := []struct {
		offset, count int64
		want          []string
		nexts         int
	}{
		{0, -1, []string{"1", "2", "3", "4", "5"}, 6},
		{0, 2, []string{"1", "2"}, 2}, // stops pulling after the second row
		{1, 2, []string{"2", "3"}, 3},
		{4, 10, []string{"5"}, 6},
		{7, 1, nil, 6},
		{0, 0, nil, 0},
		{2, -1, []string{"3", "4", "5"}, 6},
	}
	for _, c := range cases {
		in := track(cols, data)
		got := mustCollect(t, Limit(in, c.offset, c.count))
		if !equalStrings(got, c.want) {
			t.Errorf("LIMIT %d,%d = %v, want %v", c.offset, c.count, got, c.want)
		}
		if in.nexts != c.nexts || !in.closed {
			t.Errorf("LIMIT %d,%d: %d pulls (want %d), closed=%v", c.offset, c.count, in.nexts, c.nexts, in.closed)
		}
	}
	// The input is closed as soon as the last row is returned.
	in := track(cols, data)
	l := Limit(in, 0, 1)
	if r, err := l.Next(); err != nil || string(r[0]) != "1" || !in.closed {
		t.Fatal("input must be closed with the last row")
	}
}

func TestProject(t *testing.T) {
	cols := []*mysql.Field{intField("a"), strField("b"), intField("hidden")}
	p := Project(FromSlice(cols, rowsOf([]string{"1", "x", "9"}, []string{"2", "NULL", "8"})), []int{1, 0})
	if string(p.Columns()[0].Name) != "b" || len(p.Columns()) != 2 {
		t.Fatal("columns")
	}
	if got := mustCollect(t, p); !equalStrings(got, []string{"x|1", "NULL|2"}) {
		t.Fatalf("got %v", got)
	}
	if _, err := Project(FromSlice(cols, nil), []int{3}).Next(); err == nil {
		t.Fatal("out of range column accepted")
	}
}

func TestDistinct(t *testing.T) {
	cols := []*mysql.Field{strField("s"), intField("i")}
	data := rowsOf(
		[]string{"abc", "1"}, []string{"ABC", "1"}, []string{"abc ", "1"}, []string{"abc", "2"},
		[]string{"NULL", "1"}, []string{"NULL", "1"}, []string{"é", "1"}, []string{"E", "1"},
		[]string{"ß", "1"}, []string{"ss", "1"}, []string{"abc", "01"},
	)
	// MariaDB 10.11 SELECT DISTINCT under utf8mb4_general_ci keeps the first.
	got := mustCollect(t, Distinct(FromSlice(cols, data), nil))
	want := []string{"abc|1", "abc|2", "NULL|1", "é|1", "ß|1", "ss|1"}
	if !equalStrings(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got = mustCollect(t, Distinct(FromSlice(cols, data), []int{1}))
	if !equalStrings(got, []string{"abc|1", "abc|2"}) {
		t.Fatalf("by col 1: got %v", got)
	}
	bin := []*mysql.Field{varbinaryField("v")}
	got = mustCollect(t, Distinct(FromSlice(bin, rowsOf([]string{"a"}, []string{"A"}, []string{"a "})), nil))
	if len(got) != 3 {
		t.Fatalf("binary distinct: %v", got)
	}
}

func TestFilterHaving(t *testing.T) {
	cols := []*mysql.Field{strField("g"), countField("c"), decField("s", 2)}
	data := rowsOf([]string{"a", "3", "1.50"}, []string{"b", "1", "NULL"}, []string{"c", "2", "0.00"}, []string{"d", "5", "-0.40"})
	gt, _ := Binary(">", Col(1), Lit("1", LitInt))
	got := mustCollect(t, Filter(FromSlice(cols, data), gt, nil))
	if !equalStrings(got, []string{"a|3|1.50", "c|2|0.00", "d|5|-0.40"}) {
		t.Fatalf("HAVING c > 1: %v", got)
	}
	// HAVING s: NULL and zero are false, -0.40 is true.
	got = mustCollect(t, Filter(FromSlice(cols, data), Col(2), nil))
	if !equalStrings(got, []string{"a|3|1.50", "d|5|-0.40"}) {
		t.Fatalf("HAVING s: %v", got)
	}
	if _, err := Filter(FromSlice(cols, data), Col(7), nil).Next(); err == nil {
		t.Fatal("bad column accepted")
	}
}

func TestCompute(t *testing.T) {
	cols := []*mysql.Field{countField("COUNT(*)"), decField("SUM(d)", 2), decField("MAX(x)", 1), decField("MIN(x)", 1)}
	data := rowsOf([]string{"2", "3.32", "7.5", "-1.0"}, []string{"0", "NULL", "NULL", "NULL"})
	avg, _ := Binary("/", Col(1), Col(0))
	rng, _ := Binary("-", Col(2), Col(3))
	plus, _ := Binary("+", Col(0), Lit("1", LitInt))
	c := Compute(FromSlice(cols, data), []Expr{avg, rng, plus, Col(2)}, []string{"SUM(d)/COUNT(*)", "MAX(x)-MIN(x)", "COUNT(*)+1", "m"}, nil, nil)
	// MariaDB 10.11: sum(d)/count(*) -> 1.660000 (NEWDECIMAL, 6 decimals); count(*)+1 -> LONGLONG.
	got := mustCollect(t, c)
	if !equalStrings(got, []string{"1.660000|8.5|3|7.5", "NULL|NULL|1|NULL"}) {
		t.Fatalf("got %v", got)
	}
	f := c.Columns()
	if f[0].Type != mysql.MYSQL_TYPE_NEWDECIMAL || f[0].Decimal != 6 || string(f[0].Name) != "SUM(d)/COUNT(*)" {
		t.Errorf("col 0 metadata %+v", f[0])
	}
	if f[1].Type != mysql.MYSQL_TYPE_NEWDECIMAL || f[1].Decimal != 1 {
		t.Errorf("col 1 metadata %+v", f[1])
	}
	// COUNT(*)+1: NOT NULL, as COUNT(*) is (MariaDB 10.11: BIGINT(22), flags 0x81).
	if f[2].Type != mysql.MYSQL_TYPE_LONGLONG || f[2].Flag != mysql.BINARY_FLAG|mysql.NOT_NULL_FLAG || f[2].ColumnLength != 22 {
		t.Errorf("col 2 metadata %+v", f[2])
	}
	if f[3].Type != mysql.MYSQL_TYPE_NEWDECIMAL || string(f[3].Name) != "m" || f[3] == cols[2] {
		t.Errorf("col 3 must be a renamed copy of the input column: %+v", f[3])
	}
	// Overflow error surfaces from Next with code 1690.
	big := []*mysql.Field{bigintField("MAX(a)", false)}
	inc, _ := Binary("+", Named(Col(0), "max(`t`.`a`)"), Lit("1", LitInt))
	_, err := Collect(Compute(FromSlice(big, rowsOf([]string{"9223372036854775807"})), []Expr{inc}, nil, nil, nil))
	if myErrCode(err) != mysql.ER_DATA_OUT_OF_RANGE || err.Error() != "ERROR 1690 (22003): BIGINT value is out of range in 'max(`t`.`a`) + 1'" {
		t.Fatalf("err = %v", err)
	}
}
