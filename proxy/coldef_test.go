package proxy

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// colDef builds a column definition payload: the six length-encoded
// strings, the extended metadata block when ext is not nil, then the fixed
// fields.
func colDef(name string, ext []byte, charset uint16, typ byte) []byte {
	var b []byte
	for _, s := range []string{"def", "shop", "t", "t", name, name} {
		b = mysql.AppendLengthEncodedInteger(b, uint64(len(s)))
		b = append(b, s...)
	}
	if ext != nil {
		b = mysql.AppendLengthEncodedInteger(b, uint64(len(ext)))
		b = append(b, ext...)
	}
	b = append(b, 0x0c)
	b = binary.LittleEndian.AppendUint16(b, charset)
	b = binary.LittleEndian.AppendUint32(b, 40)
	b = append(b, typ, 0, 0, 0, 0, 0)
	return b
}

func TestRelabelColumnDef(t *testing.T) {
	long := strings.Repeat("x", 300) // a name with a 3-byte length
	dumped := (&mysql.Field{Schema: []byte("shop"), Table: []byte("t"), Name: []byte("s"), Charset: 45, Type: mysql.MYSQL_TYPE_VAR_STRING}).Dump()
	tests := []struct {
		name     string
		def      []byte
		label    uint16
		extended bool
		want     []byte // nil: unchanged
	}{
		{"text column", colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING), 224, false, colDef("s", nil, 224, mysql.MYSQL_TYPE_VAR_STRING)},
		{"latin1 text column", colDef("l", nil, 8, mysql.MYSQL_TYPE_STRING), 224, false, colDef("l", nil, 224, mysql.MYSQL_TYPE_STRING)},
		{"binary column keeps 63", colDef("b", nil, 63, mysql.MYSQL_TYPE_BLOB), 224, false, nil},
		{"numeric column keeps 63", colDef("n", nil, 63, mysql.MYSQL_TYPE_LONGLONG), 224, false, nil},
		{"label 0 leaves it", colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING), 0, false, nil},
		{"long name", colDef(long, nil, 45, mysql.MYSQL_TYPE_VAR_STRING), 224, false, colDef(long, nil, 224, mysql.MYSQL_TYPE_VAR_STRING)},
		{"go-mysql Dump", dumped, 224, false, (&mysql.Field{Schema: []byte("shop"), Table: []byte("t"), Name: []byte("s"), Charset: 224, Type: mysql.MYSQL_TYPE_VAR_STRING}).Dump()},
		{"extended metadata", colDef("j", []byte("\x00\x04json"), 45, mysql.MYSQL_TYPE_BLOB), 224, true, colDef("j", []byte("\x00\x04json"), 224, mysql.MYSQL_TYPE_BLOB)},
		{"empty extended metadata", colDef("s", []byte{}, 45, mysql.MYSQL_TYPE_VAR_STRING), 224, true, colDef("s", []byte{}, 224, mysql.MYSQL_TYPE_VAR_STRING)},
		{"extended block not announced", colDef("j", []byte("\x00\x04json"), 45, mysql.MYSQL_TYPE_BLOB), 224, false, nil},
		{"truncated fixed fields", colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING)[:20], 224, false, nil},
		{"truncated string", []byte{3, 'd', 'e'}, 224, false, nil},
		{"truncated length", []byte{0xfc, 1}, 224, false, nil},
		{"NULL string", []byte{0xfb}, 224, false, nil},
		{"empty", nil, 224, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := bytes.Clone(tc.def)
			relabelColumnDef(got, tc.label, tc.extended)
			want := tc.want
			if want == nil {
				want = tc.def
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got  %x\nwant %x", got, want)
			}
		})
	}
}
