package proxy

import (
	"reflect"
	"testing"
)

// The savepoint list follows MariaDB: SAVEPOINT of an existing name moves
// it last, ROLLBACK TO keeps the name and drops the later ones, RELEASE
// drops the name and the later ones; names compare case-insensitively.
func TestApplySavepoint(t *testing.T) {
	tests := []struct {
		list  []string
		op    savepointOp
		name  string
		want  []string
		found bool
	}{
		{nil, spSet, "a", []string{"a"}, true},
		{[]string{"a", "b"}, spSet, "A", []string{"b", "A"}, true},
		{[]string{"a", "b", "c"}, spRollback, "b", []string{"a", "b"}, true},
		{[]string{"a", "b", "c"}, spRelease, "B", []string{"a"}, true},
		{[]string{"a"}, spRollback, "x", []string{"a"}, false},
		{nil, spRelease, "x", nil, false},
	}
	for _, tt := range tests {
		got, found := applySavepoint(tt.list, tt.op, tt.name)
		if found != tt.found || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("applySavepoint(%v, %d, %q) = %v, %v; want %v, %v", tt.list, tt.op, tt.name, got, found, tt.want, tt.found)
		}
	}
}
