package proxy

import "testing"

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
