package backend

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

func TestParseServerVersion(t *testing.T) {
	tests := []struct {
		version, comment string
		want             serverVersion
	}{
		{"8.0.36", "MySQL Community Server - GPL", serverVersion{major: 8, minor: 0, patch: 36, ok: true}},
		{"8.0.36-28", "Percona Server (GPL), Release 28", serverVersion{major: 8, minor: 0, patch: 36, ok: true}},
		{"8.4.3", "MySQL Community Server - GPL", serverVersion{major: 8, minor: 4, patch: 3, ok: true}},
		{"5.7.44-log", "MySQL Community Server (GPL)", serverVersion{major: 5, minor: 7, patch: 44, ok: true}},
		{"10.11.6-MariaDB-log", "MariaDB Server", serverVersion{mariaDB: true, major: 10, minor: 11, patch: 6, ok: true}},
		{"10.6.16-MariaDB-1:10.6.16+maria~ubu2004", "mariadb.org binary distribution", serverVersion{mariaDB: true, major: 10, minor: 6, patch: 16, ok: true}},
		{"5.5.5-10.4.32-MariaDB", "", serverVersion{mariaDB: true, major: 10, minor: 4, patch: 32, ok: true}},
		{"10.5.0", "mariadb.org binary distribution", serverVersion{mariaDB: true, major: 10, minor: 5, ok: true}},
		{"11.4", "MariaDB Server", serverVersion{mariaDB: true, major: 11, minor: 4, ok: true}},
		{"", "", serverVersion{}},
		{"8", "", serverVersion{}},
		{"unknown", "MySQL", serverVersion{}},
	}
	for _, tt := range tests {
		if got := parseServerVersion(tt.version, tt.comment); got != tt.want {
			t.Errorf("parseServerVersion(%q, %q) = %+v, want %+v", tt.version, tt.comment, got, tt.want)
		}
	}
}

func TestServerVersionAtLeast(t *testing.T) {
	v := serverVersion{major: 8, minor: 0, patch: 29, ok: true}
	for _, tt := range []struct {
		a, b, c int
		want    bool
	}{
		{8, 0, 29, true}, {8, 0, 30, false}, {8, 0, 19, true}, {8, 1, 0, false},
		{5, 7, 7, true}, {9, 0, 0, false}, {7, 99, 99, true},
	} {
		if got := v.atLeast(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("8.0.29 atLeast(%d.%d.%d) = %v, want %v", tt.a, tt.b, tt.c, got, tt.want)
		}
	}
}

func TestGrantsAllowXARecover(t *testing.T) {
	tests := []struct {
		name   string
		grants []string
		want   bool
	}{
		{"none", nil, false},
		{"dynamic privilege line", []string{
			"GRANT USAGE ON *.* TO `xaproxy`@`%`",
			"GRANT XA_RECOVER_ADMIN ON *.* TO `xaproxy`@`%`",
			"GRANT ALL PRIVILEGES ON `shop`.* TO `xaproxy`@`%`",
		}, true},
		{"among other dynamic privileges", []string{
			"GRANT SELECT, INSERT ON *.* TO `root`@`%` WITH GRANT OPTION",
			"GRANT APPLICATION_PASSWORD_ADMIN,AUDIT_ADMIN,XA_RECOVER_ADMIN ON *.* TO `root`@`%` WITH GRANT OPTION",
		}, true},
		{"all privileges on *.*", []string{"GRANT ALL PRIVILEGES ON *.* TO 'admin'@'localhost' WITH GRANT OPTION"}, true},
		{"lower case, ALL", []string{"grant all on *.* to 'a'@'%'"}, true},
		{"all privileges on one database only", []string{
			"GRANT USAGE ON *.* TO `xaproxy`@`%`",
			"GRANT ALL PRIVILEGES ON `shop`.* TO `xaproxy`@`%`",
		}, false},
		{"quoted *.*", []string{"GRANT XA_RECOVER_ADMIN ON `*`.`*` TO `u`@`%`"}, true},
		{"role grant has no privileges", []string{"GRANT `xa_admin`@`%` TO `xaproxy`@`%`"}, false},
		{"privilege with a similar name", []string{"GRANT XA_RECOVER_ADMINISTRATOR ON *.* TO `u`@`%`"}, false},
		{"SUPER is left to the XA RECOVER probe", []string{"GRANT SUPER ON *.* TO `u`@`%`"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := grantsAllowXARecover(tt.grants); got != tt.want {
				t.Errorf("grantsAllowXARecover = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGranteeOf(t *testing.T) {
	tests := []struct {
		grants []string
		want   string
	}{
		{[]string{"GRANT USAGE ON *.* TO `xaproxy`@`%`"}, "`xaproxy`@`%`"},
		{[]string{"GRANT ALL PRIVILEGES ON *.* TO 'admin'@'localhost' WITH GRANT OPTION"}, "'admin'@'localhost'"},
		{[]string{"GRANT USAGE ON *.* TO `a b`@`10.0.0.%` REQUIRE SSL"}, "`a b`@`10.0.0.%`"},
		{[]string{"not a grant", "GRANT `r`@`%` TO `u`@`%`"}, "`u`@`%`"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := granteeOf(tt.grants); got != tt.want {
			t.Errorf("granteeOf(%q) = %q, want %q", tt.grants, got, tt.want)
		}
	}
}

// mysql8 is a MySQL 8.0 server with durable settings.
func mysql8(extra map[string]string) map[string]string {
	v := map[string]string{
		"version": "8.0.36", "version_comment": "MySQL Community Server - GPL",
		"xa_detach_on_prepare": "OFF", "innodb_flush_log_at_trx_commit": "1",
		"log_bin": "ON", "sync_binlog": "1",
	}
	for k, x := range extra {
		if x == "" {
			delete(v, k)
		} else {
			v[k] = x
		}
	}
	return v
}

func mariadb(extra map[string]string) map[string]string {
	v := map[string]string{
		"version": "10.11.6-MariaDB", "version_comment": "MariaDB Server",
		"innodb_flush_log_at_trx_commit": "1", "log_bin": "OFF", "sync_binlog": "0",
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func TestServerWarnings(t *testing.T) {
	granted := serverSettings{grantsRead: true, xaRecoverAllowed: true}
	tests := []struct {
		name string
		s    serverSettings
		want []string // one substring per expected warning, in order
	}{
		{"mysql 8 durable, detach off, granted", with(granted, mysql8(nil)), nil},
		{"mysql 8 detach on", with(granted, mysql8(map[string]string{"xa_detach_on_prepare": "ON"})),
			[]string{"xa_detach_on_prepare=ON"}},
		{"mysql 8 detach as 1", with(granted, mysql8(map[string]string{"xa_detach_on_prepare": "1"})),
			[]string{"xa_detach_on_prepare=ON"}},
		{"mysql 8.0.28 has no detach variable", with(granted, mysql8(map[string]string{"version": "8.0.28", "xa_detach_on_prepare": ""})), nil},
		{"mysql 8 without XA_RECOVER_ADMIN",
			serverSettings{vars: mysql8(nil), grantsRead: true, grantee: "`xaproxy`@`%`"},
			[]string{"GRANT XA_RECOVER_ADMIN ON *.* TO `xaproxy`@`%`"}},
		{"mysql 8 without XA_RECOVER_ADMIN, unknown grantee",
			serverSettings{vars: mysql8(nil), grantsRead: true},
			[]string{"recovery cannot see in-doubt branches of other sessions"}},
		{"grants not read (mysql 5.7)", serverSettings{vars: mysql8(map[string]string{"version": "5.7.44", "xa_detach_on_prepare": ""})}, nil},
		{"mysql 5.6", serverSettings{vars: mysql8(map[string]string{"version": "5.6.51", "xa_detach_on_prepare": ""})},
			[]string{"older than 5.7.7"}},
		{"mysql 5.7.6", serverSettings{vars: mysql8(map[string]string{"version": "5.7.6", "xa_detach_on_prepare": ""})},
			[]string{"older than 5.7.7"}},
		{"mysql 8 flush 2", with(granted, mysql8(map[string]string{"innodb_flush_log_at_trx_commit": "2"})),
			[]string{"innodb_flush_log_at_trx_commit=2"}},
		{"mysql 8 sync_binlog 0", with(granted, mysql8(map[string]string{"sync_binlog": "0"})),
			[]string{"log_bin=ON with sync_binlog=0"}},
		{"mysql 8 sync_binlog 0 without binlog", with(granted, mysql8(map[string]string{"sync_binlog": "0", "log_bin": "OFF"})), nil},
		{"everything wrong on mysql 8",
			serverSettings{vars: mysql8(map[string]string{"xa_detach_on_prepare": "ON", "innodb_flush_log_at_trx_commit": "0", "sync_binlog": "100"}), grantsRead: true},
			[]string{"xa_detach_on_prepare=ON", "lacks XA_RECOVER_ADMIN", "innodb_flush_log_at_trx_commit=0", "sync_binlog=100"}},
		{"mariadb 10.11 defaults", serverSettings{vars: mariadb(nil)}, nil},
		{"mariadb flush 3 is durable", serverSettings{vars: mariadb(map[string]string{"innodb_flush_log_at_trx_commit": "3"})}, nil},
		{"mariadb with binlog and sync_binlog 0", serverSettings{vars: mariadb(map[string]string{"log_bin": "ON"})},
			[]string{"sync_binlog=0"}},
		{"mariadb 10.4", serverSettings{vars: mariadb(map[string]string{"version": "10.4.32-MariaDB"})},
			[]string{"older than 10.5"}},
		{"mariadb ignores a detach variable", serverSettings{vars: mariadb(map[string]string{"xa_detach_on_prepare": "ON"})}, nil},
		{"mariadb by comment only", serverSettings{vars: map[string]string{"version": "10.3.39", "version_comment": "mariadb.org binary distribution"}},
			[]string{"MariaDB 10.3.39 is older than 10.5"}},
		{"unreadable version", serverSettings{vars: map[string]string{"version": "?", "innodb_flush_log_at_trx_commit": "1"}},
			[]string{"cannot read the server version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkWarnings(t, serverWarnings(tt.s), tt.want)
		})
	}
}

func with(s serverSettings, vars map[string]string) serverSettings {
	s.vars = vars
	return s
}

func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d warnings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("warning %d = %q, want it to contain %q", i, got[i], want[i])
		}
	}
}

// fakeServer is a MySQL protocol server answering the statements
// CheckServer sends, as a MySQL or MariaDB server would.
type fakeServer struct {
	vars       map[string]string
	varsErr    *mysql.MyError
	grants     []string
	recoverErr *mysql.MyError // nil: XA RECOVER returns an empty result

	mu      sync.Mutex
	queries []string
	addr    string
}

func startFakeServer(t *testing.T, f *fakeServer) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	srv := server.NewServer("8.0.36", mysql.DEFAULT_COLLATION_ID, mysql.AUTH_NATIVE_PASSWORD, nil, nil)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				auth := server.NewInMemoryAuthenticationHandler(mysql.AUTH_NATIVE_PASSWORD)
				if err := auth.AddUser("xaproxy", "secret"); err != nil {
					return
				}
				c, err := srv.NewCustomizedConn(nc, auth, fakeHandler{f: f})
				if err != nil {
					return
				}
				for c.HandleCommand() == nil && !c.Closed() {
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
	})
	return f
}

func (f *fakeServer) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

type fakeHandler struct {
	server.EmptyHandler
	f *fakeServer
}

func (h fakeHandler) HandleQuery(q string) (*mysql.Result, error) {
	f := h.f
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	var names []string
	var rows [][]any
	switch {
	case strings.HasPrefix(q, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("):
		if f.varsErr != nil {
			return nil, f.varsErr
		}
		names = []string{"Variable_name", "Value"}
		for _, name := range checkedVariables {
			if !strings.Contains(q, "'"+name+"'") {
				return nil, errors.New("variable not asked for: " + name)
			}
			if v, ok := f.vars[name]; ok {
				rows = append(rows, []any{name, v})
			}
		}
	case q == "SHOW GRANTS FOR CURRENT_USER()":
		names = []string{"Grants for xaproxy@%"}
		for _, g := range f.grants {
			rows = append(rows, []any{g})
		}
	case q == "XA RECOVER":
		if f.recoverErr != nil {
			return nil, f.recoverErr
		}
		names = []string{"formatID", "gtrid_length", "bqual_length", "data"}
	default:
		return nil, mysql.NewError(mysql.ER_PARSE_ERROR, "fake server: unexpected query "+q)
	}
	rs, err := mysql.BuildSimpleTextResultset(names, rows)
	if err != nil {
		return nil, err
	}
	return mysql.NewResult(rs), nil
}

var errNoXARecoverAdmin = mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR,
	"Access denied; you need (at least one of) the XA_RECOVER_ADMIN privilege(s) for this operation")

func TestCheckServer(t *testing.T) {
	noPriv := []string{"GRANT USAGE ON *.* TO `xaproxy`@`%`", "GRANT ALL PRIVILEGES ON `shop`.* TO `xaproxy`@`%`"}
	withPriv := append(slices.Clone(noPriv), "GRANT XA_RECOVER_ADMIN ON *.* TO `xaproxy`@`%`")
	tests := []struct {
		name        string
		f           *fakeServer
		want        []string
		wantQueries []string // after SHOW GLOBAL VARIABLES
	}{
		{"mysql 8 as docker/compose.yaml sets it up",
			&fakeServer{vars: mysql8(nil), grants: withPriv},
			nil, []string{"SHOW GRANTS FOR CURRENT_USER()"}},
		{"mysql 8 defaults, user without XA_RECOVER_ADMIN",
			&fakeServer{vars: mysql8(map[string]string{"xa_detach_on_prepare": "ON"}), grants: noPriv, recoverErr: errNoXARecoverAdmin},
			[]string{"xa_detach_on_prepare=ON", "GRANT XA_RECOVER_ADMIN ON *.* TO `xaproxy`@`%`"},
			[]string{"SHOW GRANTS FOR CURRENT_USER()", "XA RECOVER"}},
		{"privilege through a role: XA RECOVER works",
			&fakeServer{vars: mysql8(nil), grants: []string{"GRANT USAGE ON *.* TO `xaproxy`@`%`", "GRANT `xa`@`%` TO `xaproxy`@`%`"}},
			nil, []string{"SHOW GRANTS FOR CURRENT_USER()", "XA RECOVER"}},
		{"mariadb: no grant check",
			&fakeServer{vars: mariadb(nil)},
			nil, nil},
		{"mysql 5.7: no grant check",
			&fakeServer{vars: mysql8(map[string]string{"version": "5.7.44-log", "xa_detach_on_prepare": ""})},
			nil, nil},
		{"variables refused",
			&fakeServer{varsErr: mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, "no")},
			[]string{"settings not checked: ERROR 1227"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeServer(t, tt.f)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := dial(ctx, Target{Shard: "s0", Addr: f.addr, User: "xaproxy", Password: "secret"}, 5*time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			checkWarnings(t, CheckServer(ctx, c), tt.want)
			if c.Broken() {
				t.Error("the connection is broken after the check")
			}
			q := f.sent()
			if len(q) == 0 || !strings.HasPrefix(q[0], "SHOW GLOBAL VARIABLES") {
				t.Fatalf("queries %q: want SHOW GLOBAL VARIABLES first", q)
			}
			if !slices.Equal(q[1:], tt.wantQueries) {
				t.Errorf("queries after SHOW GLOBAL VARIABLES = %q, want %q", q[1:], tt.wantQueries)
			}
		})
	}
}

func TestCheckShards(t *testing.T) {
	good := startFakeServer(t, &fakeServer{vars: mariadb(nil)})
	weak := startFakeServer(t, &fakeServer{vars: mysql8(map[string]string{"xa_detach_on_prepare": "ON"}),
		grants: []string{"GRANT XA_RECOVER_ADMIN ON *.* TO `xaproxy`@`%`"}})
	// A port nothing listens on: the connection is refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()

	pools := map[string]*Pool{}
	for name, addr := range map[string]string{"s0": good.addr, "s1": weak.addr, "s2": closed} {
		p := NewPool(Target{Shard: name, Addr: addr, User: "xaproxy", Password: "secret"}, PoolConfig{MaxOpen: 2, MaxIdle: 2})
		defer p.Close()
		pools[name] = p
	}
	got := CheckShards(context.Background(), pools, 5*time.Second)
	if len(got) != 2 {
		t.Fatalf("got %d warnings, want 2: %+v", len(got), got)
	}
	if got[0].Shard != "s1" || !strings.Contains(got[0].Message, "xa_detach_on_prepare=ON") {
		t.Errorf("first warning = %+v, want s1's xa_detach_on_prepare", got[0])
	}
	if got[1].Shard != "s2" || !strings.HasPrefix(got[1].Message, "settings not checked: connect to shard s2") {
		t.Errorf("second warning = %+v, want s2 not checked", got[1])
	}
	// The checked connections went back to their pools.
	for _, name := range []string{"s0", "s1"} {
		if open, idle := pools[name].Stats(); open != 1 || idle != 1 {
			t.Errorf("pool %s: open %d idle %d, want the checked connection back idle", name, open, idle)
		}
	}
}
