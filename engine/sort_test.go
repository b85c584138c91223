package engine

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestSort(t *testing.T) {
	cases := []struct {
		name string
		f    *mysql.Field
		keys []SortKey
		in   []string
		want []string
	}{
		{"ints with NULL first", intField("i"), []SortKey{{Col: 0}}, []string{"10", "-3", "NULL", "2", "00005"}, []string{"NULL", "-3", "2", "00005", "10"}},
		{"desc NULL last", intField("i"), []SortKey{{Col: 0, Desc: true}}, []string{"10", "NULL", "-3", "2"}, []string{"10", "2", "-3", "NULL"}},
		{"unsigned bigint", bigintField("u", true), []SortKey{{Col: 0}}, []string{"18446744073709551615", "9223372036854775808", "0"}, []string{"0", "9223372036854775808", "18446744073709551615"}},
		{"decimal", decField("d", 3), []SortKey{{Col: 0}}, []string{"-0.001", "999999999.999", "-906.835", "0.000"}, []string{"-906.835", "-0.001", "0.000", "999999999.999"}},
		{"double", doubleField("x", 31), []SortKey{{Col: 0}}, []string{"1e300", "-1e-300", "0.3", "1e16", "-485968.09513954155"}, []string{"-485968.09513954155", "-1e-300", "0.3", "1e16", "1e300"}},
		{"time", temporalField("t", mysql.MYSQL_TYPE_TIME, 2), []SortKey{{Col: 0}}, []string{"100:00:00.00", "-838:59:59.00", "12:00:00.50", "-00:00:01.00", "-12:00:00.25"}, []string{"-838:59:59.00", "-12:00:00.25", "-00:00:01.00", "12:00:00.50", "100:00:00.00"}},
		{"date", temporalField("d", mysql.MYSQL_TYPE_DATE, 0), []SortKey{{Col: 0}}, []string{"2020-01-02", "0000-00-00", "1999-12-31"}, []string{"0000-00-00", "1999-12-31", "2020-01-02"}},
		// MariaDB 10.11 ORDER BY s (utf8mb4_general_ci): equal weights keep input order here (stable).
		{"general_ci", strField("s"), []SortKey{{Col: 0}}, []string{"zz", "é", "ABC", "abc", "a\t", "a ", "E", "ß", "ss", "10", "9", "😀", "ÿ"},
			[]string{"10", "9", "a\t", "a ", "ABC", "abc", "é", "E", "ß", "ss", "ÿ", "zz", "😀"}},
		{"utf8mb4_bin", binStrField("s"), []SortKey{{Col: 0}}, []string{"abc", "ABC", "é", "a ", "a\t", "a"}, []string{"ABC", "a\t", "a ", "a", "abc", "é"}},
	}
	for _, c := range cases {
		var data []Row
		for _, v := range c.in {
			data = append(data, row(v))
		}
		got := mustCollect(t, Sort(FromSlice([]*mysql.Field{c.f}, data), c.keys))
		if !equalStrings(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSortMultiKeyStable(t *testing.T) {
	cols := []*mysql.Field{strField("g"), intField("n"), intField("id")}
	data := rowsOf([]string{"b", "1", "1"}, []string{"A", "2", "2"}, []string{"a", "1", "3"}, []string{"B", "1", "4"}, []string{"a", "2", "5"})
	got := mustCollect(t, Sort(FromSlice(cols, data), []SortKey{{Col: 0}, {Col: 1, Desc: true}}))
	want := []string{"A|2|2", "a|2|5", "a|1|3", "b|1|1", "B|1|4"}
	if !equalStrings(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := Sort(FromSlice(cols, data), []SortKey{{Col: 3}}).Next(); err == nil {
		t.Fatal("bad key accepted")
	}
}

func TestMergeSort(t *testing.T) {
	cols := []*mysql.Field{strField("s"), intField("shard")}
	s0 := track(cols, rowsOf([]string{"NULL", "0"}, []string{"a", "0"}, []string{"b", "0"}, []string{"z", "0"}))
	s1 := track(cols, rowsOf([]string{"A", "1"}, []string{"B", "1"}, []string{"c", "1"}))
	s2 := track(cols, rowsOf([]string{"NULL", "2"}, []string{"a ", "2"}))
	m := MergeSort([]Rows{s0, s1, s2}, []SortKey{{Col: 0}})
	first, err := m.Next()
	if err != nil || first[0] != nil || string(first[1]) != "0" {
		t.Fatalf("first row %v %v", first, err)
	}
	if s0.nexts != 1 || s1.nexts != 1 || s2.nexts != 1 {
		t.Fatalf("MergeSort must hold one row per input, pulls %d %d %d", s0.nexts, s1.nexts, s2.nexts)
	}
	rest := mustCollect(t, m)
	// Equal keys come out by input index: NULL(0) NULL(2) a(0) A(1) a (2) ...
	want := []string{"NULL|2", "a|0", "A|1", "a |2", "b|0", "B|1", "c|1", "z|0"}
	if !equalStrings(rest, want) {
		t.Fatalf("got %v, want %v", rest, want)
	}
	if !s0.closed || !s1.closed || !s2.closed {
		t.Fatal("inputs not closed")
	}

	// Descending, numeric.
	nc := []*mysql.Field{decField("d", 1)}
	a := FromSlice(nc, rowsOf([]string{"10.0"}, []string{"2.5"}, []string{"NULL"}))
	b := FromSlice(nc, rowsOf([]string{"9.9"}, []string{"-1.0"}))
	got := mustCollect(t, MergeSort([]Rows{a, b}, []SortKey{{Col: 0, Desc: true}}))
	if !equalStrings(got, []string{"10.0", "9.9", "2.5", "-1.0", "NULL"}) {
		t.Fatalf("desc: %v", got)
	}

	// Errors pass through; no inputs gives no rows.
	boom := errors.New("boom")
	if _, err := MergeSort([]Rows{&failRows{FromSlice(nc, nil), boom}}, []SortKey{{Col: 0}}).Next(); err != boom {
		t.Fatalf("err = %v", err)
	}
	if _, err := MergeSort(nil, nil).Next(); err != io.EOF {
		t.Fatal("empty merge")
	}
	// Limit on top of MergeSort stops pulling early.
	x := track(nc, rowsOf([]string{"1.0"}, []string{"2.0"}, []string{"3.0"}))
	y := track(nc, rowsOf([]string{"1.5"}, []string{"2.5"}, []string{"3.5"}))
	got = mustCollect(t, Limit(MergeSort([]Rows{x, y}, []SortKey{{Col: 0}}), 0, 2))
	if !equalStrings(got, []string{"1.0", "1.5"}) || x.nexts > 2 || y.nexts > 1 || !x.closed || !y.closed {
		t.Fatalf("limit over merge: %v, pulls %d %d", got, x.nexts, y.nexts)
	}
}

// SortOrder gives the positions of the sorted rows, ties in input order.
func TestSortOrder(t *testing.T) {
	cols := []*mysql.Field{intField("k"), strField("s")}
	rows := []Row{row("10", "a"), row("2", "b"), row("NULL", "c"), row("2", "d"), row("-1", "e")}
	cases := []struct {
		name string
		keys []SortKey
		want []int
	}{
		{"by k", []SortKey{{Col: 0}}, []int{2, 4, 1, 3, 0}},
		{"by k desc", []SortKey{{Col: 0, Desc: true}}, []int{0, 1, 3, 4, 2}},
		{"by s", []SortKey{{Col: 1}}, []int{0, 1, 2, 3, 4}},
	}
	for _, c := range cases {
		got, err := SortOrder(cols, rows, c.keys)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := SortOrder(cols, rows, []SortKey{{Col: 2}}); err == nil {
		t.Error("a key past the columns: no error")
	}
}
