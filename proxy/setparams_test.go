package proxy

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// A prepared SET's values become literals of their types; one with no
// faithful literal, or a backslash-escaped string under
// NO_BACKSLASH_ESCAPES, is refused with 1235 rather than run as another
// value.
func TestSetLiterals(t *testing.T) {
	lenenc := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	inf := binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Inf(1)))
	five := binary.LittleEndian.AppendUint64(nil, 5)
	for _, tt := range []struct {
		name      string
		tp        byte
		null      bool
		value     []byte
		noEscapes bool
		want      string // the literal; "" when refused
		refusal   string // part of the refusal's message
	}{
		{"integer", mysql.MYSQL_TYPE_LONGLONG, false, five, false, "5", ""},
		{"NULL", mysql.MYSQL_TYPE_LONGLONG, true, nil, false, "NULL", ""},
		{"string", mysql.MYSQL_TYPE_VAR_STRING, false, lenenc(`it's`), true, `'it''s'`, ""},
		{"backslash", mysql.MYSQL_TYPE_VAR_STRING, false, lenenc(`a\b`), false, `'a\\b'`, ""},
		{"backslash, NO_BACKSLASH_ESCAPES", mysql.MYSQL_TYPE_VAR_STRING, false, lenenc(`a\b`), true, "", "NO_BACKSLASH_ESCAPES"},
		{"infinite double", mysql.MYSQL_TYPE_DOUBLE, false, inf, false, "", "infinite"},
		{"geometry", mysql.MYSQL_TYPE_GEOMETRY, false, lenenc("\x00\x00"), false, "", "GEOMETRY"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bitmap := []byte{0}
			if tt.null {
				bitmap[0] = 1
			}
			params, err := router.DecodeParams(1, bitmap, []byte{tt.tp, 0}, tt.value, nil, router.DateModes{})
			if err != nil {
				t.Fatal(err)
			}
			lits, err := setLiterals(params, tt.noEscapes)
			if tt.refusal == "" {
				if err != nil || len(lits) != 1 || lits[0] != tt.want {
					t.Fatalf("literals %q, %v; want [%s]", lits, err, tt.want)
				}
				return
			}
			var me *mysql.MyError
			if !errors.As(err, &me) || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, tt.refusal) {
				t.Fatalf("got %q, %v; want 1235 naming %s", lits, err, tt.refusal)
			}
		})
	}
}
