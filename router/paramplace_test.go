package router

import "testing"

func TestParamsOutsideWhere(t *testing.T) {
	cases := []struct {
		sql  string
		want bool
	}{
		{"SELECT a FROM t WHERE b = ? LIMIT ?", false},
		{"SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d = ?)", false},
		{"SELECT a, ? FROM t", true},
		{"SELECT CONCAT(a, ?) FROM t WHERE b = ?", true},
		{"SELECT a FROM t GROUP BY ?", true},
		{"SELECT a FROM t GROUP BY a HAVING COUNT(*) > ?", true},
		{"SELECT a FROM t ORDER BY ?", true},
		{"SELECT x.n FROM (SELECT a + ? AS n FROM t) x", true},
		{"SELECT a FROM t UNION SELECT b FROM u ORDER BY ?", true},
		{"SELECT a FROM t UNION SELECT ? FROM u", true},
		{"SELECT a FROM t WHERE b = ? UNION SELECT b FROM u WHERE c = ?", false},
	}
	p := NewParser()
	for _, c := range cases {
		st, err := p.Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got := ParamsOutsideWhere(st.Node); got != c.want {
			t.Errorf("%s: %v, want %v", c.sql, got, c.want)
		}
	}
}
