package router

import (
	"strings"
	"testing"
)

func TestRewriteIdentity(t *testing.T) {
	id := Identity{ConnID: 42, User: "app@10.0.0.1", CurrentUser: "app@%", HaveSSL: "YES"}
	p := NewParser()
	for _, tc := range []struct{ sql, want string }{
		{"SELECT CONNECTION_ID()", "SELECT CAST(0000000042 AS UNSIGNED) AS `CONNECTION_ID()`"},
		{"SELECT user() AS u", "SELECT IF(0, USER(), _utf8mb3 X'6170704031302e302e302e31') AS `u`"},
		{"SELECT CURRENT_USER", "SELECT IF(0, USER(), _utf8mb3 X'6170704025') AS `CURRENT_USER`"},
		{"SELECT a FROM t WHERE b = CONNECTION_ID()", "WHERE `b`=CAST(0000000042 AS UNSIGNED)"},
		{"INSERT INTO t VALUES (SESSION_USER())", "VALUES (IF(0, USER(), _utf8mb3 X'"},
		{"SELECT @@have_ssl", "SELECT IF(0, @@have_ssl, _utf8mb3 X'594553') AS `@@have_ssl`"},
		{"SELECT @@GLOBAL.have_ssl AS h, @@have_openssl", "SELECT IF(0, @@have_ssl, _utf8mb3 X'594553') AS `h`,@@`have_openssl` AS `@@have_openssl`"},
		// Other items keep the names MariaDB gives their text; columns
		// and literals are named by the column and value.
		{"SELECT count(*), k+1, k, 'lit', USER() FROM t", "SELECT COUNT(1) AS `count(*)`,`k`+1 AS `k+1`,`k`,'lit',IF(0, USER()"},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil || st.Identity == 0 {
			t.Fatalf("%s: %v %v", tc.sql, err, st.Identity)
		}
		got, err := RewriteIdentity(st, id)
		if err != nil || !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q (%v), want it to contain %q", tc.sql, got, err, tc.want)
		}
	}
	for _, sql := range []string{"CREATE TABLE t (a VARCHAR(400) DEFAULT (USER()))", "CREATE VIEW v AS SELECT CURRENT_USER()"} {
		st, _ := p.Parse(sql)
		if _, err := RewriteIdentity(st, id); err == nil {
			t.Errorf("%s: rewritten, want a refusal", sql)
		}
	}
}

func TestIdentityDetection(t *testing.T) {
	for _, tc := range []struct {
		head string
		want IdentityUse
	}{
		{"SELECT user FROM users", 0},
		{"SELECT USER ()", UsesUser},
		{"SELECT x.user(", 0},
		{"FOO CONNECTION_ID()", UsesConnectionID},
		{"foo current_user", UsesCurrentUser},
		{"x performance_schema.session_connect_attrs", UsesConnectAttrs},
		{"x @@have_ssl", UsesHaveSSL},
	} {
		if got := unparsedIdentity(tc.head); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.head, got, tc.want)
		}
	}
}

func TestKillSelf(t *testing.T) {
	for _, tc := range []struct {
		sql       string
		query, ok bool
	}{
		{"KILL QUERY CONNECTION_ID()", true, true},
		{"kill connection connection_id( )", false, true},
		{"KILL CONNECTION_ID();", false, true},
		{"KILL QUERY 12", false, false},
		{"KILL QUERY CONNECTION_ID() + 1", false, false},
	} {
		q, ok := KillSelf(tc.sql)
		if q != tc.query || ok != tc.ok {
			t.Errorf("%q: %v %v, want %v %v", tc.sql, q, ok, tc.query, tc.ok)
		}
	}
}

func TestKeptAttrs(t *testing.T) {
	long := strings.Repeat("é", 40)
	got := KeptAttrs([]ConnectAttr{{long, "v"}, {"a", strings.Repeat("x", 300)}, {"b", strings.Repeat("y", 300)}})
	if len(got) != 2 || got[0].Name != strings.Repeat("é", 32) || len(got[1].Value) != 300 {
		t.Errorf("kept %d attributes: %+v", len(got), got)
	}
}

func TestHaveSSLScope(t *testing.T) {
	p := NewParser()
	for sql, want := range map[string]IdentityUse{
		"SELECT @@have_ssl":         UsesHaveSSL,
		"SELECT @@global.have_ssl":  UsesHaveSSL,
		"SELECT @@session.have_ssl": 0, // the shard's error 1238
		"SELECT @have_ssl":          0,
		"SELECT @@have_openssl":     0,
	} {
		st, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		if st.Identity != want {
			t.Errorf("%s: %v, want %v", sql, st.Identity, want)
		}
	}
}
