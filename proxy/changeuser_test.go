package proxy

import (
	"bytes"
	"crypto/sha1"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestParseChangeUser(t *testing.T) {
	const modern = mysql.CLIENT_PROTOCOL_41 | mysql.CLIENT_SECURE_CONNECTION | mysql.CLIENT_PLUGIN_AUTH | mysql.CLIENT_CONNECT_ATTRS
	scr := bytes.Repeat([]byte{7}, 20)
	full := append(append([]byte("bob\x00\x14"), scr...), "shop\x00\x2d\x00mysql_native_password\x00\x05\x03k_v\x00"...)
	tests := []struct {
		name    string
		p       []byte
		caps    uint32
		want    changeUserReq
		wantErr bool
	}{
		{"full", full, modern, changeUserReq{user: "bob", auth: scr, db: "shop", collation: 45, plugin: "mysql_native_password"}, false},
		{"no db, empty password", []byte("bob\x00\x00\x00\x08\x00client_ed25519\x00"), modern,
			changeUserReq{user: "bob", auth: []byte{}, collation: 8, plugin: "client_ed25519"}, false},
		{"no charset", []byte("bob\x00\x00shop\x00"), modern, changeUserReq{user: "bob", auth: []byte{}, db: "shop"}, false},
		{"no plugin auth", []byte("bob\x00\x00shop\x00\x21\x00"), mysql.CLIENT_SECURE_CONNECTION,
			changeUserReq{user: "bob", auth: []byte{}, db: "shop", collation: 33}, false},
		{"old auth string", []byte("bob\x00secret\x00shop\x00"), 0, changeUserReq{user: "bob", auth: []byte("secret"), db: "shop"}, false},
		{"no user terminator", []byte("bob"), modern, changeUserReq{}, true},
		{"auth longer than packet", []byte("bob\x00\x14abc"), modern, changeUserReq{}, true},
		{"no db terminator", []byte("bob\x00\x00shop"), modern, changeUserReq{}, true},
		{"truncated attributes", []byte("bob\x00\x00\x00\x08\x00p\x00\x09ab"), modern, changeUserReq{}, true},
		{"attribute length truncated", []byte("bob\x00\x00\x00\x08\x00p\x00\xfc\x01"), modern, changeUserReq{}, true},
		{"attribute length huge", []byte("bob\x00\x00\x00\x08\x00p\x00\xfe\xff\xff\xff\xff\xff\xff\xff\xffab"), modern, changeUserReq{}, true},
		{"attribute pair truncated", []byte("bob\x00\x00\x00\x08\x00p\x00\x03\x01k\x05"), modern, changeUserReq{}, true},
		{"auth length past packet", []byte("bob\x00\xff"), modern, changeUserReq{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseChangeUser(tt.p, tt.caps)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if me, ok := err.(*mysql.MyError); !ok || me.Code != mysql.ER_MALFORMED_PACKET {
					t.Errorf("err = %v, want 1835 malformed packet", err)
				}
				return
			}
			if got.user != tt.want.user || !bytes.Equal(got.auth, tt.want.auth) || got.db != tt.want.db ||
				got.collation != tt.want.collation || got.plugin != tt.want.plugin {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGreetingSalt(t *testing.T) {
	salt := []byte("ABCDEFGHIJKLMNOPQRST")
	g := testGreeting(salt)
	if got, ok := greetingSalt(g); !ok || !bytes.Equal(got, salt) {
		t.Errorf("greetingSalt = %q, %v; want %q", got, ok, salt)
	}
	for _, bad := range [][]byte{nil, g[:20], append([]byte{0, 0, 0, 0, 9}, g[5:]...)} {
		if _, ok := greetingSalt(bad); ok {
			t.Errorf("greetingSalt(%q) accepted a packet that is no greeting", bad)
		}
	}
}

func TestNativePasswordOK(t *testing.T) {
	salt := []byte("ABCDEFGHIJKLMNOPQRST")
	scramble := func(pass string) []byte {
		h1 := sha1.Sum([]byte(pass))
		h2 := sha1.Sum(h1[:])
		s := sha1.Sum(append(append([]byte{}, salt...), h2[:]...))
		for i := range s {
			s[i] ^= h1[i]
		}
		return s[:]
	}
	tests := []struct {
		name     string
		auth     []byte
		password string
		want     bool
	}{
		{"right password", scramble("pw"), "pw", true},
		{"wrong password", scramble("px"), "pw", false},
		{"empty for a password", nil, "pw", false},
		{"empty for none", nil, "", true},
		{"NUL for none", []byte{0}, "", true},
		{"scramble for none", scramble("pw"), "", false},
	}
	for _, tt := range tests {
		if got := nativePasswordOK(tt.auth, tt.password, salt); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHandshakeSalt(t *testing.T) {
	salt := []byte("ABCDEFGHIJKLMNOPQRST")
	fresh := []byte("abcdefghijklmnopqrst")
	g := testGreeting(salt)
	sw := append(append([]byte{0, 0, 0, 2, 0xfe}, "mysql_native_password\x00"...), fresh...)
	sw = append(sw, 0)
	ok := []byte{0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0}
	tests := []struct {
		name          string
		later         [][]byte
		tls           bool
		want          []byte
		wantUncertain bool
	}{
		{"no switch", [][]byte{ok}, false, salt, false},
		{"auth switch", [][]byte{sw, ok}, false, fresh, false},
		{"TLS", [][]byte{sw, ok}, true, salt, true},
	}
	for _, tt := range tests {
		got, unc := handshakeSalt(g, tt.later, tt.tls)
		if !bytes.Equal(got, tt.want) || unc != tt.wantUncertain {
			t.Errorf("%s: salt %q uncertain %v, want %q %v", tt.name, got, unc, tt.want, tt.wantUncertain)
		}
	}
}

// testGreeting is a MariaDB greeting packet (with its 4-byte header) whose
// scramble is salt (20 bytes).
func testGreeting(salt []byte) []byte {
	g := []byte{0, 0, 0, 0, 10}
	g = append(g, "10.11.9-xaproxy\x00"...)
	g = append(g, 1, 0, 0, 0)
	g = append(g, salt[:8]...)
	g = append(g, 0, 0xff, 0xf7, 45, 2, 0, 0xff, 0x81, 21)
	g = append(g, make([]byte, 10)...)
	g = append(g, salt[8:]...)
	return append(g, "\x00mysql_native_password\x00"...)
}
