package proxy

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

func TestAdminAnswer(t *testing.T) {
	cols := []*mysql.Field{{Name: []byte("Table")}, {Name: []byte("Op")}, {Name: []byte("Msg_type")}, {Name: []byte("Msg_text")}}
	answer := func(rows ...[]string) *resultCopy {
		r := &resultCopy{cols: cols}
		for _, row := range rows {
			var er engine.Row
			for _, v := range row {
				er = append(er, []byte(v))
			}
			r.rows = append(r.rows, er)
		}
		return r
	}
	ok := answer([]string{"shop.t", "analyze", "status", "OK"})
	failed := answer([]string{"shop.t", "analyze", "Error", "Table 'shop.t' doesn't exist"}, []string{"shop.t", "analyze", "status", "Operation failed"})
	tests := []struct {
		name    string
		answers []*resultCopy
		want    *resultCopy
		code    uint16
	}{
		{"alike", []*resultCopy{ok, answer([]string{"shop.t", "analyze", "status", "OK"})}, ok, 0},
		{"one shard", []*resultCopy{failed}, failed, 0},
		{"differ", []*resultCopy{ok, failed}, nil, mysql.ER_NOT_SUPPORTED_YET},
		{"no result set", []*resultCopy{nil, nil}, nil, 0},
		{"one without", []*resultCopy{ok, nil}, nil, mysql.ER_NOT_SUPPORTED_YET},
	}
	shards := []string{"s0", "s1"}
	for _, tt := range tests {
		got, me := adminAnswer(shards, tt.answers)
		switch {
		case tt.code != 0 && (me == nil || me.Code != tt.code):
			t.Errorf("%s: error %v, want code %d", tt.name, me, tt.code)
		case tt.code == 0 && (me != nil || !sameResult(got, tt.want)):
			t.Errorf("%s: %v %v, want %v", tt.name, got, me, tt.want)
		}
	}
}
