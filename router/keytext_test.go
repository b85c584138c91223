package router

import (
	"testing"

	"github.com/xaproxy/xaproxy/sharding"
)

func TestClientTextKey(t *testing.T) {
	tests := []struct {
		charset string
		in      sharding.Value
		want    sharding.Value
		ok      bool
	}{
		{"utf8mb4", sharding.StringValue("k\xc3\xa9y"), sharding.StringValue("k\xc3\xa9y"), true},
		{"", sharding.StringValue("k\xe9y"), sharding.StringValue("k\xe9y"), true},
		{"latin1", sharding.StringValue("k\xe9y"), sharding.StringValue("kéy"), true},
		{"LATIN1", sharding.StringValue("\x80\x81\x9f\xa0\xff"), sharding.StringValue("€\u0081Ÿ\u00a0ÿ"), true},
		{"latin1", sharding.StringValue("plain"), sharding.StringValue("plain"), true},
		{"latin1", sharding.IntValue(5), sharding.IntValue(5), true},
		{"latin1", sharding.BinaryValue([]byte{0xe9}), sharding.BinaryValue([]byte{0xe9}), true},
		{"latin1", sharding.BytesValue([]byte{0xe9}), sharding.StringValue("é"), true},
		{"cp1251", sharding.StringValue("plain"), sharding.StringValue("plain"), true},
		{"cp1251", sharding.StringValue("\xe0"), sharding.StringValue("\xe0"), false},
		{"binary", sharding.StringValue("\xc3\xa9"), sharding.StringValue("\xc3\xa9"), false},
	}
	for _, tc := range tests {
		got, ok := ClientTextOf(tc.charset).key(tc.in)
		if ok != tc.ok || got.String() != tc.want.String() {
			t.Errorf("%s: key(%s) = %s, %v; want %s, %v", tc.charset, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
