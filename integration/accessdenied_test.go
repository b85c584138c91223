package integration

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	perrors "github.com/pingcap/errors"
)

// TestAccessDeniedNamesTheHost: 1045 names the client by its host, as
// MariaDB does ("Access denied for user 'app'@'127.0.0.1' (using password:
// YES)"), not by host and port, at login (a wrong password, an unknown
// user, none) and at COM_CHANGE_USER.
func TestAccessDeniedNamesTheHost(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t)
	f.s0.Exec(t, "CREATE USER app@'%' IDENTIFIED BY 'app-secret'", "GRANT ALL ON direct.* TO app@'%'")
	login := func(addr, user, pass string) string {
		c, err := client.Connect(addr, user, pass, "")
		if err == nil {
			c.Close()
			return "connected"
		}
		var me *gomysql.MyError
		if !errors.As(perrors.Cause(err), &me) {
			return err.Error()
		}
		return fmt.Sprintf("%d %s %s", me.Code, me.State, me.Message)
	}
	for _, c := range []struct{ user, pass string }{{appUser, "wrong"}, {"nobody", "x"}, {appUser, ""}} {
		if got, want := login(f.p.Addr(), c.user, c.pass), login(f.s0.Addr(), c.user, c.pass); got != want {
			t.Errorf("login as %s with password %q:\n  proxy:   %s\n  MariaDB: %s", c.user, c.pass, got, want)
		}
	}
	proxy := dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)
	direct := dialWire(t, f.s0.Addr(), appUser, appPass, "direct", 0)
	got := proxy.changeUser(appUser, "wrong", "", "mysql_native_password", 45)
	want := direct.changeUser(appUser, "wrong", "", "mysql_native_password", 45)
	if got.errCode != want.errCode || got.errMsg != want.errMsg {
		t.Errorf("COM_CHANGE_USER with a wrong password:\n  proxy:   %d %s\n  MariaDB: %d %s", got.errCode, got.errMsg, want.errCode, want.errMsg)
	}
}
