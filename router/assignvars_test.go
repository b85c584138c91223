package router

import (
	"slices"
	"testing"
)

func TestAssignsVars(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
	}{
		{"SELECT @x := 5", []string{"@x"}},
		{"SELECT @rn := @rn + 1 AS n, @Other := id FROM t", []string{"@rn", "@other"}},
		{"SELECT @x", nil},
		{"SET @x = 1", nil}, // SET records its own
		{"UPDATE t SET v = (@old := v) + 1 WHERE id = 1", []string{"@old"}},
		{"SELECT id INTO @a FROM t WHERE id = 1", []string{"@a"}},
		{"SELECT id, v INTO @a, @`B c` FROM t LIMIT 1", []string{"@a", "@b c"}},
		{"SELECT 1 FROM t WHERE v = 'INTO @x'", nil},
		{"SELECT id FROM t WHERE id = 1 INTO @late", []string{"@late"}},
		{"SELECT (SELECT 1 FROM t LIMIT 1) INTO @sub", []string{"@sub"}},
		{"SELECT @n := 1 INTO @m", []string{"@n", "@m"}},
	}
	for _, tc := range tests {
		st, err := NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if st.Kind == KindUnparsed {
			t.Errorf("%s: unparsed: %v", tc.sql, st.ParseErr)
		}
		if !slices.Equal(st.AssignsVars, tc.want) {
			t.Errorf("%s: assigns %q, want %q", tc.sql, st.AssignsVars, tc.want)
		}
	}
}
