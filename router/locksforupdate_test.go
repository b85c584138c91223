package router

import "testing"

// FOR UPDATE anywhere in a statement is an exclusive lock; LOCK IN SHARE
// MODE and plain reads are not.
func TestLocksForUpdate(t *testing.T) {
	p := NewParser()
	for sql, want := range map[string]bool{
		"SELECT k FROM t WHERE k = 1 FOR UPDATE":                  true,
		"SELECT k FROM t FOR UPDATE SKIP LOCKED":                  true,
		"SELECT k FROM t FOR UPDATE NOWAIT":                       true,
		"SELECT k FROM t FOR UPDATE WAIT 3":                       true,
		"SELECT k FROM t WHERE k IN (SELECT k FROM u FOR UPDATE)": true,
		"SELECT * FROM (SELECT k FROM u FOR UPDATE) d":            true,
		"SELECT k FROM t LOCK IN SHARE MODE":                      false,
		"SELECT k FROM t":                                         false,
		"UPDATE t SET v = 1":                                      false,
	} {
		st, err := p.Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if got := st.ForUpdate; got != want {
			t.Errorf("%s: ForUpdate %v, want %v", sql, got, want)
		}
	}
}
