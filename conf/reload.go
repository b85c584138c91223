package conf

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Changes is what differs between two configurations, split by whether a
// running proxy can apply it (Live) or only a restart does (Restart). Each
// entry names a field path, with the old and new value where that is short
// and not secret.
type Changes struct {
	Live    []string
	Restart []string
}

// Empty tells whether nothing changed.
func (c Changes) Empty() bool { return len(c.Live) == 0 && len(c.Restart) == 0 }

// Compare lists what changed from old to cur. Users, the frontend's limits,
// timeouts, TLS and login throttle, the server version, log.level and log.slow_query apply
// live (to new sessions, and for limits and timeouts to existing ones);
// addresses, shards, schemas, the coordinator, backend pools and
// log.format need a restart.
func Compare(old, cur *Config) Changes {
	var ch Changes
	live := func(path string, o, n any) {
		if !reflect.DeepEqual(o, n) {
			ch.Live = append(ch.Live, fmt.Sprintf("%s %v -> %v", path, o, n))
		}
	}
	restart := func(path string, o, n any) {
		if !reflect.DeepEqual(o, n) {
			ch.Restart = append(ch.Restart, path)
		}
	}

	if u := compareUsers(old.Users, cur.Users); u != "" {
		ch.Live = append(ch.Live, u)
	}
	of, nf := old.Frontend, cur.Frontend
	live("frontend.max_connections", of.MaxConnections, nf.MaxConnections)
	live("frontend.shutdown_timeout", of.ShutdownTimeout, nf.ShutdownTimeout)
	live("frontend.server_version", of.ServerVersion, nf.ServerVersion)
	live("frontend.idle_timeout", of.IdleTimeout, nf.IdleTimeout)
	live("frontend.query_timeout", of.QueryTimeout, nf.QueryTimeout)
	live("frontend.max_packet_size", of.MaxPacketSize, nf.MaxPacketSize)
	live("frontend.tls.require", of.TLSRequired(), nf.TLSRequired())
	live("frontend.tls.self_signed", of.TLS.SelfSigned, nf.TLS.SelfSigned)
	lo, ln := of.LoginThrottle, nf.LoginThrottle
	live("frontend.login_throttle.max_failures", lo.MaxFailures, ln.MaxFailures)
	live("frontend.login_throttle.window", lo.Window, ln.Window)
	live("frontend.login_throttle.block_for", lo.BlockFor, ln.BlockFor)
	live("frontend.login_throttle.max_hosts", lo.MaxHosts, ln.MaxHosts)
	if of.TLS.CertFile != nf.TLS.CertFile || of.TLS.KeyFile != nf.TLS.KeyFile || !sameCert(of.TLS, nf.TLS) {
		ch.Live = append(ch.Live, "frontend.tls certificate")
	}
	live("log.level", old.Log.Level, cur.Log.Level)
	live("log.slow_query", old.Log.SlowQuery, cur.Log.SlowQuery)

	restart("listen", old.Listen, cur.Listen)
	restart("admin_listen", old.AdminListen, cur.AdminListen)
	restart("shards", shardKeys(old.Shards), shardKeys(cur.Shards))
	restart("schemas", old.Schemas, cur.Schemas)
	restart("coordinator", old.Coordinator, cur.Coordinator)
	restart("backend", old.Backend, cur.Backend)
	restart("auto_increment", old.AutoIncrement, cur.AutoIncrement)
	restart("log.format", old.Log.Format, cur.Log.Format)
	return ch
}

// shardKeys is what identifies the shards as configured (the parsed DSN
// fields follow from the DSN).
func shardKeys(shards []Shard) []string {
	out := make([]string, len(shards))
	for i, s := range shards {
		out[i] = s.Name + "=" + s.DSN
	}
	return out
}

func sameCert(a, b TLS) bool {
	if (a.Certificate == nil) != (b.Certificate == nil) {
		return false
	}
	if a.Certificate == nil {
		return true
	}
	return slices.EqualFunc(a.Certificate.Certificate, b.Certificate.Certificate, bytes.Equal)
}

// compareUsers summarises user changes without printing passwords:
// "users: added a; removed b; changed c (password, schemas)".
func compareUsers(old, cur []User) string {
	byName := func(us []User) map[string]User {
		m := make(map[string]User, len(us))
		for _, u := range us {
			m[u.Name] = u
		}
		return m
	}
	om, nm := byName(old), byName(cur)
	var added, removed, changed []string
	for _, u := range cur {
		o, ok := om[u.Name]
		if !ok {
			added = append(added, u.Name)
			continue
		}
		var what []string
		if o.Password != u.Password {
			what = append(what, "password")
		}
		if o.AuthPlugin != u.AuthPlugin {
			what = append(what, "auth_plugin")
		}
		if !slices.Equal(o.Schemas, u.Schemas) {
			what = append(what, "schemas")
		}
		if o.MaxConnections != u.MaxConnections {
			what = append(what, "max_connections")
		}
		if o.Admin != u.Admin {
			what = append(what, "admin")
		}
		if o.FileAccess != u.FileAccess {
			what = append(what, "file_access")
		}
		if o.ReadOnly != u.ReadOnly {
			what = append(what, "read_only")
		}
		if len(what) > 0 {
			changed = append(changed, u.Name+" ("+strings.Join(what, ", ")+")")
		}
	}
	for _, u := range old {
		if _, ok := nm[u.Name]; !ok {
			removed = append(removed, u.Name)
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	if len(changed) > 0 {
		parts = append(parts, "changed "+strings.Join(changed, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "users: " + strings.Join(parts, "; ")
}
