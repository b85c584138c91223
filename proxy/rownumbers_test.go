package proxy

import (
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

func TestStatementRow(t *testing.T) {
	rows := []int{1, 3, 4} // the part holds the statement's rows 2, 4 and 5
	for _, tc := range []struct{ msg, want string }{
		{"Data truncated for column 's' at row 1", "Data truncated for column 's' at row 2"},
		{"Out of range value for column 'v' at row 3", "Out of range value for column 'v' at row 5"},
		{"Data truncated for column 's' at row 4", "Data truncated for column 's' at row 4"}, // not the part's
		{"Duplicate entry '1' for key 'PRIMARY'", "Duplicate entry '1' for key 'PRIMARY'"},
		{"at row 2 of something", "at row 2 of something"},
	} {
		if got := statementRow(tc.msg, rows); got != tc.want {
			t.Errorf("statementRow(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
	if rowNamed([]byte("x at row 12")) != 12 || rowNamed([]byte("no row")) != 0 {
		t.Error("rowNamed misreads a message")
	}
}

func TestEarliestFailure(t *testing.T) {
	dup := func(v string) *mysql.MyError {
		return &mysql.MyError{Code: 1062, State: "23000", Message: "Duplicate entry '" + v + "' for key 'PRIMARY'"}
	}
	long := &mysql.MyError{Code: 1406, State: "22001", Message: "Data too long for column 's' at row 2"}
	for _, tc := range []struct {
		name string
		fs   []partFailure
		want *mysql.MyError // nil: cannot be told
	}{
		{"parts apart", []partFailure{{err: dup("2"), rows: []int{2, 3}}, {err: dup("1"), rows: []int{0, 1}}}, dup("1")},
		{"a named row first", []partFailure{{err: dup("9"), rows: []int{2, 3}}, {err: long, rows: []int{0, 1}}}, long},
		{"a named row after", []partFailure{{err: long, rows: []int{0, 1}}, {err: dup("9"), rows: []int{2, 3}}}, long},
		{"interleaved", []partFailure{{err: dup("2"), rows: []int{0, 2}}, {err: dup("1"), rows: []int{1}}}, nil},
		{"a named row inside", []partFailure{{err: dup("2"), rows: []int{0, 2}}, {err: long, rows: []int{1}}}, nil},
		{"the same error", []partFailure{{err: dup("2"), rows: []int{0, 2}}, {err: dup("2"), rows: []int{1}}}, dup("2")},
		{"pinned", []partFailure{{err: dup("2"), rows: []int{0, 2}, pinned: true, at: 2}, {err: dup("1"), rows: []int{1}, pinned: true, at: 1}}, dup("1")},
	} {
		j, ok := earliestFailure(tc.fs)
		if ok != (tc.want != nil) || (ok && !sameError(tc.fs[j].err, tc.want)) {
			t.Errorf("%s: %d %v, want %v", tc.name, j, ok, tc.want)
		}
	}
}

func TestScanFailure(t *testing.T) {
	div := &mysql.MyError{Code: 1365, State: "22012", Message: "Division by 0"}
	row := func(n string) *mysql.MyError {
		return &mysql.MyError{Code: 1264, State: "22003", Message: "Out of range value for column 't' at row " + n}
	}
	dupv := func(v string) *mysql.MyError {
		return &mysql.MyError{Code: 1062, State: "23000", Message: "Duplicate entry '" + v + "' for key 'v'"}
	}
	trunc := func(v string) *mysql.MyError {
		return &mysql.MyError{Code: 1292, State: "22007", Message: "Truncated incorrect DECIMAL value: '" + v + "'"}
	}
	for _, tc := range []struct {
		name  string
		errs  []*mysql.MyError
		parts int
		want  bool
	}{
		{"one part", []*mysql.MyError{row("2")}, 1, true},
		{"the same on every part", []*mysql.MyError{div, div}, 2, true},
		{"no row, one part of two", []*mysql.MyError{trunc("a")}, 2, true},
		{"values differ", []*mysql.MyError{trunc("b"), trunc("a")}, 2, false},
		{"row 1 of every part", []*mysql.MyError{row("1"), row("1")}, 2, true},
		{"row 1 of one part of two", []*mysql.MyError{row("1")}, 2, false},
		{"row 2 of every part", []*mysql.MyError{row("2"), row("2")}, 2, false},
		// A per-row constraint error from every part is answered by its
		// code, whichever value it names.
		{"duplicates naming different values", []*mysql.MyError{dupv("11"), dupv("21")}, 2, true},
		{"a duplicate and another error", []*mysql.MyError{dupv("11"), div}, 2, false},
	} {
		fs := make([]partFailure, len(tc.errs))
		for i, e := range tc.errs {
			fs[i] = partFailure{err: e}
		}
		if ok := scanFailure(fs, tc.parts); ok != tc.want {
			t.Errorf("%s: %v, want answered %v", tc.name, ok, tc.want)
		}
	}
}

func TestPartRowKeys(t *testing.T) {
	row := func(msg string) engine.Row { return engine.Row{[]byte("Warning"), []byte("1"), []byte(msg)} }
	rows := []engine.Row{row("Duplicate entry '1' for key 'PRIMARY'"), row("Data truncated for column 's' at row 5"),
		row("Duplicate entry '3' for key 'PRIMARY'"), row("Data truncated for column 's' at row 8")}
	if got, want := partRowKeys(rows, []int{7, 2, 4, 9}), []int{2, 4, 4, 7}; !slices.Equal(got, want) {
		t.Errorf("partRowKeys = %v, want %v", got, want)
	}
}

// A split INSERT's check part whose lock wait was cut short leaves the
// answer unknown where it holds a row before the failing one.
func TestUnknownPrecedes(t *testing.T) {
	failing := partFailure{err: &mysql.MyError{Code: 1062, State: "23000", Message: "Duplicate entry '4' for key 'PRIMARY'"}, rows: []int{2, 3}}
	for _, tc := range []struct {
		name    string
		unknown []partFailure
		want    bool
	}{
		{"none", nil, false},
		{"before", []partFailure{{unknown: true, rows: []int{0, 4}}}, true},
		{"after", []partFailure{{unknown: true, rows: []int{4, 5}}}, false},
	} {
		if got := unknownPrecedes(tc.unknown, failing); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
