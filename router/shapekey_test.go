package router

import (
	"encoding/binary"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// normalizedShape is a shape with its literals' classes, as shapeKey
// writes them after it.
type normalizedShape struct {
	shape
	classes string // the literals' classes, in order
}

// normalize is the shape of sql by itself, without the key's user and
// database (shapeKey).
func normalize(sql string) (sh normalizedShape, ok bool) {
	b, n, params, ok := normalizeInto(nil, sql)
	if !ok {
		return normalizedShape{}, false
	}
	return normalizedShape{shape: shape{sql: string(b[:len(b)-n]), params: params}, classes: string(b[len(b)-n:])}, true
}

// TestNumberLiteralAsFormatted checks that an integer literal's parameter
// is the one intParam or uintParam makes from its value, whether number
// keeps the statement's text (no leading 0) or writes the value again.
func TestNumberLiteralAsFormatted(t *testing.T) {
	for _, tc := range []struct {
		text  string
		want  Param
		class byte
	}{
		{"0", intParam(0), 'i'},
		{"7", intParam(7), 'i'},
		{"4711", intParam(4711), 'i'},
		{"007", intParam(7), 'i'},
		{"00", intParam(0), 'i'},
		{"9223372036854775807", intParam(9223372036854775807), 'i'},
		{"09223372036854775807", intParam(9223372036854775807), 'i'},
		{"9223372036854775808", uintParam(9223372036854775808), 'u'},
		{"18446744073709551615", uintParam(18446744073709551615), 'u'},
		{"018446744073709551615", uintParam(18446744073709551615), 'u'},
	} {
		for _, rest := range []string{"", " AND b = 1", ")"} {
			p, class, n, ok := number(tc.text + rest)
			if !ok || n != len(tc.text) || class != tc.class || !reflect.DeepEqual(p, tc.want) {
				t.Errorf("number(%q) = %+v, %c, %d, %v; want %+v, %c, %d", tc.text+rest, p, class, n, ok, tc.want, tc.class, len(tc.text))
			}
		}
	}
}

// TestNormalizeClasses checks the key's classes, which normalize writes
// after the shape, for few and many literals (beyond the classes' stack
// buffer).
func TestNormalizeClasses(t *testing.T) {
	for _, n := range []int{1, 2, 8, 9, 31, 32, 33, 100} {
		lits, marks, classes := make([]string, n), make([]string, n), make([]byte, n)
		for i := range n {
			switch i % 4 {
			case 0:
				lits[i], classes[i] = strconv.Itoa(i), 'i'
			case 1:
				lits[i], classes[i] = "'s"+strconv.Itoa(i)+"'", 's'
			case 2:
				lits[i], classes[i] = "1.5", 'd'
			default:
				lits[i], classes[i] = "2e1", 'f'
			}
			marks[i] = "?"
		}
		sql := "INSERT INTO t VALUES (" + strings.Join(lits, ",") + ")"
		sh, ok := normalize(sql)
		want := "INSERT INTO t VALUES (" + strings.Join(marks, ",") + ")"
		if !ok || sh.sql != want || sh.classes != string(classes) || len(sh.params) != n {
			t.Fatalf("normalize(%q) = %q, classes %q, %d params, %v; want %q, %q, %d", sql, sh.sql, sh.classes, len(sh.params), ok, want, classes, n)
		}
	}
}

// TestShapeKeyDistinct checks that the cache key tells apart every user,
// database, shape and class sequence, also where the parts' boundaries
// could shift (the key is their bytes in one string), and that the shape
// RememberPlan parses is normalize's.
func TestShapeKeyDistinct(t *testing.T) {
	cases := []struct{ user, db, sql string }{
		{"app", "shop", "SELECT 1"},
		{"ap", "pshop", "SELECT 1"},
		{"app", "sho", "pSELECT 1"},
		{"app", "", "SELECT 1"},
		{"", "app", "SELECT 1"},
		{"app", "shop", "SELECT '1'"},
		{"app", "shop", "SELECT 1.5"},
		{"app", "shop", "SELECT 1, 2"},
		{"app", "shop", "SELECT 1,2"},
		{"app", "shop", "SELECT 1 /* ?i */"},
		{"app", "shop", "SELECT 1 /* ? */"},
		{"app", "shop", "SELECT `x?` + 1"},
		{"app", "shop", "SELECT `x` + 1"},
		{"app", "shop", "SELECT `x?i` + 1"},
		{"app", "shop", "SELECT " + strings.Repeat("1,", 300) + "1"}, // beyond the stack buffer
		{"app", "shop", "SELECT " + strings.Repeat("1,", 300) + "'1'"},
	}
	seen := map[string]int{}
	for i, c := range cases {
		key, at, sh, ok := shapeKey(nil, c.user, c.db, c.sql)
		if !ok {
			t.Fatalf("%q: not normalized", c.sql)
		}
		if j, dup := seen[string(key)]; dup {
			t.Fatalf("cases %d and %d have the same key %q", j, i, key)
		}
		seen[string(key)] = i
		want, _ := normalize(c.sql)
		n := int(binary.BigEndian.Uint16(key[len(key)-2:]))
		if got := string(key[at : len(key)-2-n]); got != want.sql || string(key[len(key)-2-n:len(key)-2]) != want.classes {
			t.Errorf("%q: key shape %q classes %q, want %q %q", c.sql, got, key[len(key)-2-n:len(key)-2], want.sql, want.classes)
		}
		if !reflect.DeepEqual(sh.params, want.params) {
			t.Errorf("%q: key params %+v, want %+v", c.sql, sh.params, want.params)
		}
	}
}
