package integration

import (
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// executeTwins runs q through the proxy of f and on its twin (database
// direct) with go-mysql's client, which shows what the wire carries (the
// EOF's warning count, every column's metadata). The twin's connection
// does without CLIENT_DEPRECATE_EOF, as the proxy's clients do: the client
// reads no warning count from the OK packet that replaces the EOF.
func executeTwins(t *testing.T, f *returningFixture, q string) (proxy, direct *mysql.Result) {
	t.Helper()
	pc, err := gomysql.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dc, err := gomysql.Connect(f.s0.Addr(), "root", "", "direct", func(c *gomysql.Conn) error {
		c.UnsetCapability(mysql.CLIENT_DEPRECATE_EOF)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	if proxy, err = pc.Execute(q); err != nil {
		t.Fatalf("%s through the proxy: %v", q, err)
	}
	if direct, err = dc.Execute(q); err != nil {
		t.Fatalf("%s on MariaDB: %v", q, err)
	}
	return proxy, direct
}
