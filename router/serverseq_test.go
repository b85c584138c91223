package router

import "testing"

func TestSeedsRand(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SELECT k, RAND(1) FROM t", true},
		{"UPDATE t SET v = FLOOR(RAND(k) * 10)", true},
		{"SELECT * FROM t ORDER BY RAND(7) LIMIT 2", true},
		{"SELECT k, RAND() FROM t", false},
		{"SELECT 'RAND(1)' FROM t", false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := SeedsRand(st); got != tc.want {
			t.Errorf("SeedsRand(%s) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}

func TestCallsUUIDShort(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"INSERT INTO t (id, v) VALUES (UUID_SHORT(), 1), (UUID_SHORT(), 2)", true},
		{"UPDATE t SET token = UUID_SHORT()", true},
		{"SELECT k, UUID() FROM t", false},
		{"SELECT 'UUID_SHORT()' FROM t", false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := CallsUUIDShort(st); got != tc.want {
			t.Errorf("CallsUUIDShort(%s) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}

func TestMovesSequence(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SELECT k, NEXTVAL(sq) FROM t", true},
		{"SELECT k, NEXT VALUE FOR sq FROM t", true},
		{"SELECT SETVAL(sq, 100) FROM t", true},
		{"SELECT k FROM t", false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := MovesSequence(st); got != tc.want {
			t.Errorf("MovesSequence(%s) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}
