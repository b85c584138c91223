package proxy

import (
	"reflect"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

func TestTextRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []mysql.RowData // two columns
		want []engine.Row
	}{
		{"values", []mysql.RowData{{3, 'a', 'b', 'c', 1, '7'}}, []engine.Row{{[]byte("abc"), []byte("7")}}},
		{"NULL and empty", []mysql.RowData{{0xfb, 0}}, []engine.Row{{nil, []byte{}}}},
		{"several rows", []mysql.RowData{{1, 'a', 0xfb}, {0xfb, 2, 'b', 'b'}}, []engine.Row{{[]byte("a"), nil}, {nil, []byte("bb")}}},
		{"truncated: the values before the break", []mysql.RowData{{1, 'a', 5, 'b'}}, []engine.Row{{[]byte("a")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := mysql.NewResultset(2)
			rs.RowDatas = tc.data
			if got := textRows(rs); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("textRows = %#v, want %#v", got, tc.want)
			}
		})
	}
}
