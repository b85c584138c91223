package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// TestShowTablesPrepared: a prepared SHOW TABLES, whose answer the proxy
// merges from every shard, answers in the binary protocol what one
// MariaDB answers (it was 1835 Malformed communication packet: the
// shards' binary rows were read as text).
func TestShowTablesPrepared(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY)",
		"CREATE TABLE txitems (k INT PRIMARY KEY)",
		"CREATE TABLE plain (id INT)",
		"CREATE VIEW v AS SELECT id FROM plain",
	)
	p := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	d := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	for _, q := range []string{
		"SHOW TABLES",
		"SHOW FULL TABLES",
		"SHOW TABLES LIKE 'g%'",
		"SHOW FULL TABLES WHERE Table_type = 'VIEW'",
	} {
		var got, want string
		for i, c := range []*client.Conn{p, d} {
			var b strings.Builder
			st, err := c.Prepare(q)
			if err == nil {
				r, err2 := st.Execute()
				err = err2
				if err == nil {
					for _, fl := range r.Fields {
						fmt.Fprintf(&b, "[%s %d %d %#x %d]", fl.Name, fl.Type, fl.ColumnLength, fl.Flag, fl.Charset)
					}
					for j := range r.Values {
						for k := range r.Values[j] {
							v, _ := r.GetString(j, k)
							b.WriteString(" " + v)
						}
						b.WriteString(";")
					}
				}
				_ = st.Close()
			}
			if err != nil {
				b.WriteString(err.Error())
			}
			if i == 0 {
				got = b.String()
			} else {
				want = strings.ReplaceAll(b.String(), "Tables_in_direct", "Tables_in_shop")
			}
		}
		if got != want {
			t.Errorf("prepared %s:\n  proxy:   %s\n  MariaDB: %s", q, got, want)
		}
	}
}
