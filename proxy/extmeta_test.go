package proxy

import (
	"bytes"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

func TestConvertExtMeta(t *testing.T) {
	json := []byte("\x01\x04json")
	line := []byte("\x00\x0alinestring") // a 12-byte block: its length is 0x0c
	tests := []struct {
		name     string
		def      []byte
		from, to bool
		want     []byte
	}{
		{"JSON stripped", colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB), true, false, colDef("j", nil, 45, mysql.MYSQL_TYPE_BLOB)},
		{"empty block stripped", colDef("s", []byte{}, 45, mysql.MYSQL_TYPE_VAR_STRING), true, false, colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING)},
		{"block of length 0x0c stripped", colDef("g", line, 63, mysql.MYSQL_TYPE_GEOMETRY), true, false, colDef("g", nil, 63, mysql.MYSQL_TYPE_GEOMETRY)},
		{"JSON kept", colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB), true, true, colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB)},
		{"plain kept", colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING), false, false, colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING)},
		{"plain given the empty block", colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING), false, true, colDef("s", []byte{}, 45, mysql.MYSQL_TYPE_VAR_STRING)},
		{"malformed left alone", []byte{3, 'd', 'e'}, true, false, []byte{3, 'd', 'e'}},
		{"truncated block left alone", colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB)[:17], true, false, colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB)[:17]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := append([]byte{1, 2, 3, 4}, tc.def...)
			got := convertExtMeta(p, tc.from, tc.to)
			if !bytes.Equal(got[:4], []byte{1, 2, 3, 4}) || !bytes.Equal(got[4:], tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseColumnDefKeepsBlock(t *testing.T) {
	json := []byte("\x01\x04json")
	tests := []struct {
		name      string
		def       []byte
		extended  bool
		wantBlock []byte // with its length; nil: none
	}{
		{"JSON", colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB), true, []byte("\x06\x01\x04json")},
		{"empty block", colDef("s", []byte{}, 45, mysql.MYSQL_TYPE_VAR_STRING), true, []byte{0}},
		{"no block", colDef("s", nil, 45, mysql.MYSQL_TYPE_VAR_STRING), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := parseColumnDef(tc.def, tc.extended)
			if !ok {
				t.Fatal("not parsed")
			}
			if f.Charset != 45 || f.Data != nil || !bytes.Equal(f.DefaultValue, tc.wantBlock) {
				t.Fatalf("field charset %d, data %q, block %q", f.Charset, f.Data, f.DefaultValue)
			}
			plain, _, _ := splitExtMeta(tc.def, tc.extended)
			if got := dumpField(f, false); !bytes.Equal(got, plain) {
				t.Errorf("dumped without the block %q, want %q", got, plain)
			}
			// The engine passes a column through by copying its field.
			c := *f
			c.Name = []byte("k")
			got := dumpField(&c, true)
			at, end, ok := backend.ExtMetaSpan(got)
			if !ok {
				t.Fatalf("dumped with the block %q: no block", got)
			}
			block := tc.wantBlock
			if block == nil {
				block = []byte{0}
			}
			if !bytes.Equal(got[at:end], block) {
				t.Errorf("block %q, want %q", got[at:end], block)
			}
		})
	}
	if _, ok := parseColumnDef(colDef("j", json, 45, mysql.MYSQL_TYPE_BLOB), false); ok {
		t.Error("a definition with a block parsed as one without")
	}
}

func TestDumpComputedField(t *testing.T) {
	f := &mysql.Field{Name: []byte("COUNT(*)"), Type: mysql.MYSQL_TYPE_LONGLONG, Charset: 63, ColumnLength: 21}
	plain := f.Dump()
	if got := dumpField(f, false); !bytes.Equal(got, plain) {
		t.Errorf("without the block %q, want %q", got, plain)
	}
	got := dumpField(f, true)
	want, _ := withExtMeta(plain, nil)
	if !bytes.Equal(got, want) || !bytes.Contains(got, []byte("COUNT(*)\x00\x00\x0c")) {
		t.Errorf("with the block %q, want the empty block %q", got, want)
	}
}
