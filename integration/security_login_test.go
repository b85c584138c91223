package integration

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Failed logins: each is logged (user, address, reason) and counted;
// max_failures of them from one address block it with 1129, even with the
// right password, while another address logs in; a success before the
// block resets the count. COM_CHANGE_USER failures count too.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, `
		frontend:
		  login_throttle: {max_failures: 3, window: 1m, block_for: 1h}
	`)
	ctx := testCtx(t, time.Minute)
	// Loopback aliases: 127.0.0.2 guesses, 127.0.0.3 is another client.
	login := func(local, user, pass string) error {
		name := fmt.Sprintf("xafrom-%s-%d", local, time.Now().UnixNano())
		mysql.RegisterDialContext(name, func(ctx context.Context, addr string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
			return d.DialContext(ctx, "tcp", addr)
		})
		db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@%s(%s)/shop?timeout=5s", user, pass, name, f.p.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return db.PingContext(ctx)
	}
	const guesser, other = "127.0.0.2", "127.0.0.3"

	wantMySQLError(t, login(guesser, "app", "guess-1"), 1045, "28000")
	wantMySQLError(t, login(guesser, "nobody", "guess-2"), 1045, "28000")
	if err := login(guesser, "app", "app-secret"); err != nil {
		t.Fatalf("right password after two failures: %v", err)
	}
	for i := 3; i <= 5; i++ {
		wantMySQLError(t, login(guesser, "app", fmt.Sprintf("guess-%d", i)), 1045, "28000")
	}
	// Before the greeting, as MariaDB sends 1129, the client has not said
	// it speaks protocol 4.1: the error carries no SQLSTATE.
	err := login(guesser, "app", "app-secret")
	wantMySQLError(t, err, 1129, "")
	for _, want := range []string{"Host '127.0.0.2' is blocked because of 3 failed logins within 1m0s", "xaproxy frontend.login_throttle", "block_for 1h0m0s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("1129 message %q lacks %q", err, want)
		}
	}
	if err := login(other, "app", "app-secret"); err != nil {
		t.Errorf("login from another address while %s is blocked: %v", guesser, err)
	}

	// A failed COM_CHANGE_USER is a failed login of its connection's address.
	wire := dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)
	if r := wire.changeUser("app", "guess-6", "", "mysql_native_password", 33); r.errCode != 1045 {
		t.Errorf("COM_CHANGE_USER with a wrong password: %+v, want 1045", r)
	}

	for _, want := range [][]string{
		{`msg="login failed"`, "user=app", "remote=127.0.0.2:", "reason=wrong_password", "failures=1 max_failures=3"},
		{`msg="login failed"`, "user=nobody", "remote=127.0.0.2:", "reason=unknown_user", "failures=2"},
		{`msg="login failed"`, "user=app", "remote=127.0.0.2:", "failures=2 max_failures=3"},
		{`msg="login failed; address blocked by frontend.login_throttle"`, "remote=127.0.0.2:", "failures=3", "blocked_for=1h0m0s"},
		{`msg="connection refused: address blocked by frontend.login_throttle"`, "remote=127.0.0.2:", "failures=3"},
		{`msg="login failed"`, "user=app", "remote=127.0.0.1:", "reason=wrong_password via=change_user failures=1"},
	} {
		if len(outputLines(f.p, want...)) == 0 {
			t.Errorf("no log line with %q:\n%s", want, f.p.Output())
		}
	}
	if strings.Contains(f.p.Output(), "guess-") {
		t.Errorf("the log shows a password")
	}
	_, metrics := adminGet(t, f.p, "/metrics")
	for _, want := range []string{
		`xaproxy_login_failures_total{reason="wrong_password"} 5`,
		`xaproxy_login_failures_total{reason="unknown_user"} 1`,
		`xaproxy_login_blocks_total 1`,
		`xaproxy_connections_refused_total{reason="login_throttle"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
