package proxy

import "testing"

func TestMatchedRows(t *testing.T) {
	for _, tc := range []struct {
		info string
		n    uint64
		ok   bool
	}{
		{"Rows matched: 3  Changed: 1  Warnings: 0", 3, true},
		{"Rows matched: 0  Changed: 0  Warnings: 0", 0, true},
		{"Rows matched: 18446744073709551615  Changed: 0  Warnings: 0", 18446744073709551615, true},
		{"Records: 2  Duplicates: 1  Warnings: 0", 0, false},
		{"", 0, false},
		{"Rows matched: x", 0, false},
	} {
		n, ok := matchedRows(tc.info)
		if n != tc.n || ok != tc.ok {
			t.Errorf("matchedRows(%q) = %d, %v; want %d, %v", tc.info, n, ok, tc.n, tc.ok)
		}
	}
}

// TestFoundRowsUpsert: what MariaDB 10.11 answers a CLIENT_FOUND_ROWS client
// for an INSERT ... ON DUPLICATE KEY UPDATE, from what it answers a client
// without the capability (both read from the server, same statements and
// rows).
func TestFoundRowsUpsert(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ignore   bool
		affected uint64
		info     string
		want     uint64
		wantInfo string
	}{
		{"one row unchanged", false, 0, "", 1, ""},
		{"one row inserted", false, 1, "", 1, ""},
		{"one row changed", false, 2, "", 2, ""},
		{"rows unchanged, changed, inserted", false, 5, "Records: 4  Duplicates: 2  Warnings: 0", 6, "Records: 4  Duplicates: 3  Warnings: 0"},
		{"rows unchanged", false, 0, "Records: 2  Duplicates: 0  Warnings: 0", 2, "Records: 2  Duplicates: 2  Warnings: 0"},
		{"INSERT ... SELECT changing all", false, 6, "Records: 3  Duplicates: 3  Warnings: 0", 6, "Records: 3  Duplicates: 3  Warnings: 0"},
		{"nothing selected", false, 0, "Records: 0  Duplicates: 0  Warnings: 0", 0, "Records: 0  Duplicates: 0  Warnings: 0"},
		{"IGNORE: one row unchanged", true, 0, "", 1, ""},
		{"IGNORE: one row inserted", true, 1, "", 1, ""},
		{"IGNORE: one row changed", true, 2, "", 2, ""},
		{"IGNORE: unchanged, changed, inserted", true, 3, "Records: 3  Duplicates: 1  Warnings: 0", 4, "Records: 3  Duplicates: 1  Warnings: 0"},
		{"IGNORE: changed, inserted", true, 3, "Records: 2  Duplicates: 0  Warnings: 0", 3, "Records: 2  Duplicates: 0  Warnings: 0"},
		{"IGNORE: unchanged, inserted", true, 1, "Records: 2  Duplicates: 1  Warnings: 0", 2, "Records: 2  Duplicates: 1  Warnings: 0"},
		{"IGNORE: unchanged, a row a CHECK skipped, inserted", true, 1, "Records: 2  Duplicates: 1  Warnings: 1", 2, "Records: 2  Duplicates: 1  Warnings: 1"},
		{"IGNORE: updates that hit another unique key", true, 0, "Records: 2  Duplicates: 2  Warnings: 2", 2, "Records: 2  Duplicates: 2  Warnings: 2"},
		{"another info", false, 1, "Rows matched: 1  Changed: 1  Warnings: 0", 1, "Rows matched: 1  Changed: 1  Warnings: 0"},
		{"counts that do not add up", false, 9, "Records: 2  Duplicates: 0  Warnings: 0", 9, "Records: 2  Duplicates: 0  Warnings: 0"},
	} {
		got, info := foundRowsUpsert(tc.ignore, tc.affected, tc.info)
		if got != tc.want || info != tc.wantInfo {
			t.Errorf("%s: foundRowsUpsert(%v, %d, %q) = %d, %q; want %d, %q", tc.name, tc.ignore, tc.affected, tc.info, got, info, tc.want, tc.wantInfo)
		}
	}
}
