package proxy

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

func TestSumChecksums(t *testing.T) {
	cols := []*mysql.Field{{Name: []byte("Table")}, {Name: []byte("Checksum")}}
	part := func(vals ...string) *resultCopy {
		r := &resultCopy{cols: cols}
		for i := 0; i+1 < len(vals); i += 2 {
			var v []byte
			if vals[i+1] != "NULL" {
				v = []byte(vals[i+1])
			}
			r.rows = append(r.rows, engine.Row{[]byte(vals[i]), v})
		}
		return r
	}
	tests := []struct {
		name  string
		parts []*resultCopy
		want  string // "Table=Checksum;..." or "refused"
	}{
		{"sum modulo 2^32", []*resultCopy{part("shop.t", "4108489196"), part("shop.t", "4172675224")}, "shop.t=3986197124;"},
		{"a NULL part", []*resultCopy{part("shop.t", "5"), part("shop.t", "NULL")}, "shop.t=NULL;"},
		{"one part", []*resultCopy{part("shop.t", "7")}, "shop.t=7;"},
		{"other tables", []*resultCopy{part("shop.t", "5"), part("shop.u", "5")}, "refused"},
		{"no result set", []*resultCopy{nil, part("shop.t", "5")}, "refused"},
		{"not a number", []*resultCopy{part("shop.t", "x"), part("shop.t", "5")}, "refused"},
	}
	for _, tt := range tests {
		got, ok := sumChecksums(tt.parts)
		s := "refused"
		if ok {
			s = ""
			for _, r := range got.rows {
				v := "NULL"
				if r[1] != nil {
					v = string(r[1])
				}
				s += string(r[0]) + "=" + v + ";"
			}
		}
		if s != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, s, tt.want)
		}
	}
}
