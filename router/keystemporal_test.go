package router

import (
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestTemporalKeyParamsRouteNowhere: a date or time parameter compared
// with the shard key restricts no shard. MariaDB compares the key with it
// as a date: VARCHAR key '2020-01-02 00:00:00' (and '20200102') equals
// DATE 2020-01-02, so routing by the text '2020-01-02' missed the rows of
// other shards. An INSERT still places the row by its text, which is what
// the VARCHAR column stores. The negation of a string parameter is a
// number to MariaDB (-'5' is -5): it was routed as NULL, to no row.
func TestTemporalKeyParamsRouteNowhere(t *testing.T) {
	r := routerWith(t, 4, `
  - name: shop
    default_shard: s0
    tables:
      - {name: c, shard_key: k, algorithm: hash}
      - {name: n, shard_key: k, algorithm: hash}
`)
	withCatalog(t, r, map[string][]string{"shop.c": {"k varchar(30)", "v int"}, "shop.n": {"k int", "v int"}})
	decode := func(tp byte, value ...byte) Param {
		ps, err := DecodeParams(1, []byte{0}, []byte{tp, 0}, append([]byte{byte(len(value))}, value...), nil, DateModes{})
		if err != nil {
			t.Fatal(err)
		}
		return ps[0]
	}
	date := decode(mysql.MYSQL_TYPE_DATE, 0xe4, 0x07, 1, 2)
	tm := decode(mysql.MYSQL_TYPE_TIME, 0, 0, 0, 0, 0, 3, 4, 5)
	str := bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte("2020-01-02"))
	all := []string{"s0", "s1", "s2", "s3"}
	for _, tc := range []struct {
		sql    string
		params []Param
		all    bool // every shard
	}{
		{"SELECT v FROM c WHERE k = ?", []Param{date}, true},
		{"SELECT v FROM c WHERE k = ?", []Param{tm}, true},
		{"SELECT v FROM c WHERE k IN (?, 'x')", []Param{date}, true},
		{"SELECT v FROM c WHERE k = ? AND v = 1", []Param{str}, false},
		{"UPDATE c SET v = 2 WHERE k = ?", []Param{date}, true},
		{"INSERT INTO c VALUES (?, 1)", []Param{date}, false},
		{"SELECT v FROM n WHERE k = -?", []Param{bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte("5"))}, true},
		{"SELECT v FROM n WHERE k = -?", []Param{intParam(5)}, false},
		{"SELECT v FROM n WHERE k = -?", []Param{date}, true},
		{"SELECT v FROM n WHERE k = -?", []Param{bytesParam(mysql.MYSQL_TYPE_NEWDECIMAL, []byte("+5"))}, false},
	} {
		p, err := planFor(t, r, tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		e, err := p.Bind(tc.params)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		got := shardsOf(e)
		slices.Sort(got)
		if tc.all != slices.Equal(got, all) {
			t.Errorf("%s: shards %v, want every shard: %v", tc.sql, got, tc.all)
		}
		if !tc.all && len(got) != 1 {
			t.Errorf("%s: shards %v, want the key's one shard", tc.sql, got)
		}
	}
}
