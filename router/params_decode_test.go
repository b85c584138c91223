package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestDecodeParams: well-formed values decode to their literals; every
// malformed one is an error (the caller answers 1210 or 1835), never a
// read past the end of the packet.
func TestDecodeParams(t *testing.T) {
	str := []byte{mysql.MYSQL_TYPE_VAR_STRING, 0}
	tests := []struct {
		name    string
		n       int
		bitmap  []byte
		types   []byte
		values  []byte
		long    map[uint16][]byte
		want    []string // literals
		wantErr string
	}{
		{name: "string", n: 1, bitmap: []byte{0}, types: str, values: []byte{2, 'h', 'i'}, want: []string{"'hi'"}},
		{name: "null in bitmap", n: 1, bitmap: []byte{1}, types: str, want: []string{"NULL"}},
		{name: "long data", n: 1, bitmap: []byte{0}, types: str, long: map[uint16][]byte{0: []byte("x")}, want: []string{"'x'"}},
		{name: "long data blob", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_BLOB, 0}, long: map[uint16][]byte{0: []byte("x")}, want: []string{"_binary'x'"}},
		{name: "long data varchar", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_VARCHAR, 0}, long: map[uint16][]byte{0: []byte("x")}, want: []string{"'x'"}},
		{name: "tiny unsigned", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_TINY, 0x80}, values: []byte{200}, want: []string{"200"}},
		{name: "longlong", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_LONGLONG, 0}, values: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, want: []string{"-1"}},
		{name: "date", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_DATE, 0}, values: []byte{4, 0xe8, 0x07, 1, 2}, want: []string{"DATE'2024-01-02'"}},
		{name: "short datetime is zero", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_DATETIME, 0}, values: []byte{3, 1, 2, 3}, want: []string{"TIMESTAMP'0000-00-00 00:00:00'"}},
		{name: "short time is zero", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_TIME, 0}, values: []byte{5, 1, 2, 3, 4, 5}, want: []string{"TIME'00:00:00'"}},
		{name: "year and bit read no bytes", n: 3, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_YEAR, 0, mysql.MYSQL_TYPE_BIT, 0, mysql.MYSQL_TYPE_TINY, 0}, values: []byte{7}, want: []string{"", "", "7"}},
		{name: "decimal", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_NEWDECIMAL, 0}, values: []byte{4, '-', '2', '.', '5'}, want: []string{"-2.5"}},
		{name: "integral decimal", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_NEWDECIMAL, 0}, values: []byte{1, '3'}, want: []string{"3."}},
		{name: "decimal with exponent", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_NEWDECIMAL, 0}, values: []byte{3, '1', 'e', '1'}, want: []string{""}},
		{name: "string length 2 bytes", n: 1, bitmap: []byte{0}, types: str, values: append([]byte{0xfc, 3, 0}, "abc"...), want: []string{"'abc'"}},

		{name: "bitmap missing", n: 9, bitmap: []byte{0}, types: make([]byte, 18), wantErr: "NULL bitmap"},
		{name: "types missing", n: 2, bitmap: []byte{0}, types: str, wantErr: "parameter types"},
		{name: "string truncated", n: 1, bitmap: []byte{0}, types: str, values: []byte{5, 'a'}, wantErr: "parameter 1: value truncated"},
		{name: "string no value", n: 1, bitmap: []byte{0}, types: str, wantErr: "parameter 1: value truncated"},
		{name: "length truncated", n: 1, bitmap: []byte{0}, types: str, values: []byte{0xfc, 1}, wantErr: "parameter 1: value truncated"},
		{name: "huge length", n: 1, bitmap: []byte{0}, types: str, values: []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'}, wantErr: "parameter 1: value truncated"},
		{name: "length past int", n: 1, bitmap: []byte{0}, types: str, values: []byte{0xfe, 0, 0, 0, 0, 0, 0, 0, 0x80, 'a'}, wantErr: "parameter 1: value truncated"},
		{name: "0xFB is no length", n: 1, bitmap: []byte{0}, types: str, values: []byte{0xfb}, wantErr: "parameter 1: value truncated"},
		{name: "second string truncated", n: 2, bitmap: []byte{0}, types: append(str, str...), values: []byte{1, 'a', 3, 'b'}, wantErr: "parameter 2: value truncated"},
		{name: "int truncated", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_LONG, 0}, values: []byte{1, 2}, wantErr: "parameter 1: value truncated"},
		{name: "double truncated", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_DOUBLE, 0}, values: make([]byte, 7), wantErr: "parameter 1: value truncated"},
		{name: "datetime truncated", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_DATETIME, 0}, values: []byte{7, 1, 2}, wantErr: "parameter 1: value truncated"},
		{name: "datetime bad length", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_DATETIME, 0}, values: []byte{5, 1, 2, 3, 4, 5}, wantErr: "bad datetime length 5"},
		{name: "time bad length", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_TIME, 0}, values: []byte{9, 1, 2, 3, 4, 5, 6, 7, 8, 9}, wantErr: "bad time length 9"},
		{name: "long data decimal", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_NEWDECIMAL, 0}, long: map[uint16][]byte{0: []byte("3")}, wantErr: "long data for type 246"},
		{name: "long data datetime", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_DATETIME, 0}, long: map[uint16][]byte{0: []byte("2020-01-02")}, wantErr: "long data for type 12"},
		{name: "json", n: 1, bitmap: []byte{0}, types: []byte{mysql.MYSQL_TYPE_JSON, 0}, values: []byte{2, '{', '}'}, wantErr: "type 245 is not a parameter type"},
		{name: "timestamp2 null", n: 1, bitmap: []byte{1}, types: []byte{mysql.MYSQL_TYPE_TIMESTAMP2, 0}, wantErr: "type 17 is not a parameter type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeParams(tt.n, tt.bitmap, tt.types, tt.values, tt.long, DateModes{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lits []string
			for _, p := range got {
				lits = append(lits, p.Literal)
			}
			if strings.Join(lits, ",") != strings.Join(tt.want, ",") {
				t.Errorf("literals %q, want %q", lits, tt.want)
			}
		})
	}
}

// FuzzDecodeParams: any bytes decode or fail, without panicking.
func FuzzDecodeParams(f *testing.F) {
	f.Add(2, []byte{0}, []byte{mysql.MYSQL_TYPE_VAR_STRING, 0, mysql.MYSQL_TYPE_LONG, 0}, []byte{1, 'a', 1, 0, 0, 0})
	f.Add(1, []byte{0}, []byte{mysql.MYSQL_TYPE_TIME, 0}, []byte{8, 1, 0, 0, 0, 0, 1, 2, 3})
	f.Add(1, []byte{0}, []byte{mysql.MYSQL_TYPE_BLOB, 0}, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, n int, bitmap, types, values []byte) {
		if n > 1<<12 {
			n %= 1 << 12
		}
		_, _ = DecodeParams(n, bitmap, types, values, nil, DateModes{})
	})
}
