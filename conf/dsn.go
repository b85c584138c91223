package conf

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

const dsnFormat = "user[:password]@tcp(host:port)/[?param=value&...] or user[:password]@unix(/path/to/socket)/"

// dsn is a parsed go-sql-driver style data source name.
type dsn struct {
	net, addr      string
	user, password string
	params         map[string]string
}

// parseDSN parses user[:password]@net(addr)/[?params] the way
// go-sql-driver/mysql does, so a DSN behaves the same here as in tools
// built on that driver: the database part starts after the last "/" (the
// password and a socket path may contain "/"), the user info ends at the
// last "@" before it, and the password starts at the first ":". Parameter
// values are URL-unescaped, so a "/" in one must be written %2F.
//
// Unlike the driver it requires a user and an explicit address, and it
// rejects a database name because the proxy selects the database per schema.
func parseDSN(s string) (dsn, error) {
	var d dsn
	slash := strings.LastIndexByte(s, '/')
	if slash < 0 {
		return d, fmt.Errorf("missing \"/\" after the address; want %s", dsnFormat)
	}
	at := strings.LastIndexByte(s[:slash], '@')
	if at < 0 {
		return d, fmt.Errorf("missing user; want %s", dsnFormat)
	}
	netAddr := s[at+1 : slash]
	if strings.Contains(netAddr, ")/") {
		// The last "/" lies beyond the address, so it must sit in a
		// parameter value, where the driver syntax needs it escaped.
		return d, errors.New("a \"/\" inside a parameter value must be escaped as %2F")
	}
	db, query, _ := strings.Cut(s[slash+1:], "?")
	if db != "" {
		return d, fmt.Errorf("database name %q not allowed: the proxy picks the database per schema, so end the address with \")/\"", db)
	}
	d.user, d.password, _ = strings.Cut(s[:at], ":")
	if d.user == "" {
		return d, fmt.Errorf("missing user; want %s", dsnFormat)
	}
	var err error
	if d.net, d.addr, err = parseNetAddr(netAddr); err != nil {
		return d, err
	}
	if d.params, err = parseDSNParams(query); err != nil {
		return d, err
	}
	return d, nil
}

// parseNetAddr parses "tcp(host:port)" or "unix(/path)".
func parseNetAddr(s string) (network, addr string, err error) {
	network, rest, hasParen := strings.Cut(s, "(")
	switch network {
	case "tcp", "unix":
	case "":
		return "", "", fmt.Errorf("missing protocol and address; want %s", dsnFormat)
	default:
		return "", "", fmt.Errorf("unsupported protocol %q: use tcp or unix", network)
	}
	addr, closed := strings.CutSuffix(rest, ")")
	if !hasParen || !closed || addr == "" {
		return "", "", fmt.Errorf("missing address: want tcp(host:port) or unix(/path/to/socket)")
	}
	if network == "tcp" {
		if err := checkHostPort(addr, true, false); err != nil {
			return "", "", err
		}
	}
	return network, addr, nil
}

func parseDSNParams(query string) (map[string]string, error) {
	var params map[string]string
	for kv := range strings.SplitSeq(query, "&") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("parameter %q is not key=value", kv)
		}
		uv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: invalid %%-escape in value", k)
		}
		if params == nil {
			params = make(map[string]string)
		}
		params[k] = uv
	}
	return params, nil
}
