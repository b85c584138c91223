package router

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

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
// into the shape's buffer, for few and many literals (beyond the buffer's
// slack and beyond the classes' stack buffer).
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
