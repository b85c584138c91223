package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	perrors "github.com/pingcap/errors"
)

// wireStep is one statement of session s in compareWireSessions.
type wireStep struct {
	s   int
	sql string
}

// compareWireSessions runs steps on n go-mysql sessions through the proxy
// of f (database shop) and on n sessions of its twin (database direct),
// and compares each answer as wireAnswer describes it: the error's code,
// SQLSTATE and message, or the OK packet's counts and warnings, or the
// rows with their warning count.
func compareWireSessions(t *testing.T, f *returningFixture, n int, steps []wireStep) {
	t.Helper()
	open := func(addr, user, pass, db string) []*client.Conn {
		var cs []*client.Conn
		for i := 0; i < n; i++ {
			// Without CLIENT_DEPRECATE_EOF, as the proxy's clients: go-mysql
			// reads a result's warning count from its EOF packet only.
			c, err := client.Connect(addr, user, pass, db, func(c *client.Conn) error {
				c.UnsetCapability(gomysql.CLIENT_DEPRECATE_EOF)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			cs = append(cs, c)
		}
		return cs
	}
	proxy := open(f.p.Addr(), appUser, appPass, "shop")
	direct := open(f.s0.Addr(), "root", "", "direct")
	for i, st := range steps {
		got := strings.ReplaceAll(wireAnswer(proxy[st.s], st.sql), "shop", "direct")
		want := wireAnswer(direct[st.s], st.sql)
		if got != want {
			t.Errorf("step %d, session %d, %s:\n  proxy:   %s\n  MariaDB: %s", i, st.s, st.sql, got, want)
		}
	}
}

// wireAnswer describes the answer to q on c.
func wireAnswer(c *client.Conn, q string) string {
	r, err := c.Execute(q)
	if err != nil {
		if me, ok := perrors.Cause(err).(*gomysql.MyError); ok {
			return fmt.Sprintf("error %d (%s) %s", me.Code, me.State, me.Message)
		}
		return "client error: " + err.Error()
	}
	if r.Resultset == nil || len(r.Fields) == 0 {
		return fmt.Sprintf("OK affected %d, warnings %d, info %q", r.AffectedRows, r.Warnings, r.StatusMessage)
	}
	var rows []string
	for i := range r.Values {
		var vs []string
		for j := range r.Values[i] {
			if r.Values[i][j].Type == gomysql.FieldValueTypeNull {
				vs = append(vs, "NULL")
				continue
			}
			v, _ := r.GetString(i, j)
			vs = append(vs, v)
		}
		rows = append(rows, strings.Join(vs, ","))
	}
	return fmt.Sprintf("rows, warnings %d: %s", r.Warnings, strings.Join(rows, " | "))
}
