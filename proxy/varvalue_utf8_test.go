package proxy

import "testing"

// A user variable whose bytes are not well formed in its utf8 character
// set is replayed without a hex literal under an introducer, which
// MariaDB refuses (1300); well-formed values and other character sets keep
// the hex form.
func TestMalformedUTF8Literal(t *testing.T) {
	for _, tt := range []struct {
		b, cs, coll string
		want        string
		ok          bool
	}{
		{"a\xffb", "utf8mb4", "utf8mb4_general_ci", "CONCAT(_utf8mb4 X'61', _utf8mb4'\xff', _utf8mb4 X'62') COLLATE utf8mb4_general_ci", true},
		{"\xff\xfe", "utf8mb4", "utf8mb4_bin", "CONCAT(_utf8mb4'\xff\xfe') COLLATE utf8mb4_bin", true},
		{"x\xf0\x9f\x98\x80", "utf8mb3", "utf8mb3_general_ci", "CONCAT(_utf8mb3 X'78', _utf8mb3'\xf0\x9f\x98\x80') COLLATE utf8mb3_general_ci", true},
		{"\xef\xbf\xbd", "utf8mb4", "utf8mb4_general_ci", "", false}, // U+FFFD itself is well formed
		{"é\xf0\x9f\x98\x80", "utf8mb4", "utf8mb4_general_ci", "", false},
		{"\xff", "latin1", "latin1_swedish_ci", "", false},
		{"", "utf8mb4", "utf8mb4_general_ci", "", false},
	} {
		got, ok := malformedUTF8Literal([]byte(tt.b), tt.cs, tt.coll)
		if got != tt.want || ok != tt.ok {
			t.Errorf("malformedUTF8Literal(%q, %s) = %q, %v; want %q, %v", tt.b, tt.cs, got, ok, tt.want, tt.ok)
		}
	}
}
