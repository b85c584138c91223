package proxy

import (
	"testing"

	"github.com/xaproxy/xaproxy/router"
)

func TestMergeOKInfo(t *testing.T) {
	tests := []struct {
		name, acc, next string
		first           bool
		want            string
	}{
		{"first part", "", "Records: 2  Duplicates: 0  Warnings: 0", true, "Records: 2  Duplicates: 0  Warnings: 0"},
		{"insert", "Records: 20  Duplicates: 1  Warnings: 1", "Records: 20  Duplicates: 0  Warnings: 2", false, "Records: 40  Duplicates: 1  Warnings: 3"},
		{"update", "Rows matched: 2  Changed: 1  Warnings: 0", "Rows matched: 2  Changed: 2  Warnings: 0", false, "Rows matched: 4  Changed: 3  Warnings: 0"},
		{"one part without info", "Records: 2  Duplicates: 0  Warnings: 0", "", false, ""},
		{"different shapes", "Records: 2  Duplicates: 0  Warnings: 0", "Rows matched: 2  Changed: 1  Warnings: 0", false, ""},
		{"not counts", "Statement prepared", "Statement prepared", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mergeOKInfo(tc.acc, tc.next, tc.first); got != tc.want {
				t.Errorf("mergeOKInfo(%q, %q, %v) = %q, want %q", tc.acc, tc.next, tc.first, got, tc.want)
			}
		})
	}
}

func TestSingleRowInsertInfo(t *testing.T) {
	// What MariaDB 10.11 counts for one row of a multi-row INSERT.
	tests := []struct {
		sql      string
		affected uint64
		warnings uint16
		want     string
	}{
		{"INSERT INTO t VALUES (1)", 1, 0, "Records: 1  Duplicates: 0  Warnings: 0"},
		{"INSERT IGNORE INTO t VALUES (1)", 0, 1, "Records: 1  Duplicates: 1  Warnings: 1"},
		{"INSERT IGNORE INTO t VALUES (1)", 1, 0, "Records: 1  Duplicates: 0  Warnings: 0"},
		{"REPLACE INTO t VALUES (1)", 2, 0, "Records: 1  Duplicates: 1  Warnings: 0"},
		// The row met two unique keys and deleted a row for each.
		{"REPLACE INTO t VALUES (1)", 3, 0, "Records: 1  Duplicates: 2  Warnings: 0"},
		{"REPLACE INTO t VALUES (1)", 1, 0, "Records: 1  Duplicates: 0  Warnings: 0"},
		{"INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE v = 2", 2, 0, "Records: 1  Duplicates: 1  Warnings: 0"},
		{"INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE v = 2", 0, 0, "Records: 1  Duplicates: 0  Warnings: 0"},
		{"INSERT IGNORE INTO t VALUES (1) ON DUPLICATE KEY UPDATE v = 2", 0, 0, "Records: 1  Duplicates: 1  Warnings: 0"},
		{"INSERT IGNORE INTO t VALUES (1) ON DUPLICATE KEY UPDATE v = 2", 2, 0, "Records: 1  Duplicates: 0  Warnings: 0"},
		{"INSERT IGNORE INTO t VALUES (1) ON DUPLICATE KEY UPDATE v = 2", 1, 0, "Records: 1  Duplicates: 0  Warnings: 0"},
		{"UPDATE t SET v = 1", 1, 0, ""},
	}
	for _, tc := range tests {
		st, err := router.NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := singleRowInsertInfo(st, tc.affected, tc.warnings); got != tc.want {
			t.Errorf("%s (affected %d): %q, want %q", tc.sql, tc.affected, got, tc.want)
		}
	}
}

func TestWithOKInfoCount(t *testing.T) {
	for _, tc := range []struct{ info, want string }{
		{"Records: 4  Duplicates: 0  Warnings: 1", "Records: 4  Duplicates: 0  Warnings: 3"},
		{"Rows matched: 2  Changed: 2  Warnings: 0", "Rows matched: 2  Changed: 2  Warnings: 3"},
		{"Records: 4  Duplicates: 0", "Records: 4  Duplicates: 0"},
		{"", ""},
		{"not counts", "not counts"},
	} {
		if got := withOKInfoCount(tc.info, "Warnings", 3); got != tc.want {
			t.Errorf("withOKInfoCount(%q) = %q, want %q", tc.info, got, tc.want)
		}
	}
}
