package proxy

import "testing"

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
