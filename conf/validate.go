package conf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checker collects problems; validation never stops at the first one.
type checker struct {
	problems []Problem
	files    files
}

func (c *checker) addf(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// firstIndex remembers where each key was first seen, to report duplicates.
type firstIndex map[string]int

// seen records key at index i, or returns the earlier index if it is a
// duplicate.
func (f firstIndex) seen(key string, i int) (first int, dup bool) {
	if j, ok := f[key]; ok {
		return j, true
	}
	f[key] = i
	return 0, false
}

// files is what validation needs beyond the decoded values: where relative
// paths start, and which keys the file has.
type files struct {
	baseDir string
	present func(path string) bool
}

// path resolves a file name from the configuration.
func (f files) path(name string) string {
	if filepath.IsAbs(name) || f.baseDir == "" {
		return name
	}
	return filepath.Join(f.baseDir, name)
}

// validate checks the decoded, defaulted configuration. It also fills the
// Shard fields parsed from each DSN, the users' passwords given by
// environment variable or file, and the frontend's TLS certificate.
func (cfg *Config) validate(f files) []Problem {
	c := checker{files: f}
	c.listenAddr("listen", cfg.Listen)
	c.listenAddr("admin_listen", cfg.AdminListen)
	c.users(cfg.Users, cfg.Schemas)
	c.shards(cfg.Shards)
	c.schemas(cfg.Schemas, cfg.shardNames())
	c.coordinator(&cfg.Coordinator)
	c.backend(&cfg.Backend)
	if cfg.AutoIncrement.BlockSize < 0 {
		c.addf("auto_increment.block_size", "must not be negative (0 means 100)")
	}
	c.backendTLS(&cfg.Backend, cfg.Shards)
	c.frontend(&cfg.Frontend)
	c.log(&cfg.Log)
	return c.problems
}

// listenAddr allows an empty host (all interfaces) and port 0 (any free
// port, handy in tests).
func (c *checker) listenAddr(path, addr string) {
	if err := checkHostPort(addr, false, true); err != nil {
		c.addf(path, "%v (e.g. \"127.0.0.1:3307\" or \":3307\")", err)
	}
}

// checkHostPort checks that addr is host:port with a numeric port.
func checkHostPort(addr string, requireHost, allowZeroPort bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if requireHost && host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return fmt.Errorf("port %q in %q is not a number from 0 to 65535", port, addr)
	}
	if n == 0 && !allowZeroPort {
		return fmt.Errorf("port in %q must be from 1 to 65535", addr)
	}
	return nil
}

func (c *checker) users(users []User, schemas []Schema) {
	if len(users) == 0 {
		c.addf("users", "at least one user is required: clients log in to the proxy with these")
	}
	names := firstIndex{}
	for i := range users {
		u := &users[i]
		p := fmt.Sprintf("users[%d]", i)
		if u.Name == "" {
			c.addf(p+".name", "required: the name clients log in with")
		} else if j, dup := names.seen(u.Name, i); dup {
			c.addf(p+".name", "duplicate user %q (also users[%d])", u.Name, j)
		}
		if u.AuthPlugin != AuthNativePassword && u.AuthPlugin != AuthCachingSHA2Password {
			c.addf(p+".auth_plugin", "unknown plugin %q: supported are %s and %s", u.AuthPlugin, AuthNativePassword, AuthCachingSHA2Password)
		}
		c.password(p, u)
		c.userSchemas(p, u.Schemas, schemas)
		if u.MaxConnections < 0 {
			c.addf(p+".max_connections", "must be 0 (no per-user limit) or more, got %d", u.MaxConnections)
		}
	}
}

// password checks that exactly one way of giving the password is used and
// reads the password from the environment or a file.
func (c *checker) password(p string, u *User) {
	var given []string
	for _, k := range []string{"password", "password_env", "password_file"} {
		if c.files.present(p + "." + k) {
			given = append(given, k)
		}
	}
	switch {
	case len(given) == 0:
		c.addf(p+".password", "required: give exactly one of password (password: \"\" for none), password_env or password_file")
		return
	case len(given) > 1:
		c.addf(p+"."+given[1], "give exactly one of password, password_env or password_file, not %s", strings.Join(given, " and "))
		return
	}
	switch given[0] {
	case "password_env":
		v, ok := os.LookupEnv(u.PasswordEnv)
		switch {
		case u.PasswordEnv == "":
			c.addf(p+".password_env", "empty: name the environment variable holding the password")
		case !ok:
			c.addf(p+".password_env", "environment variable %q is not set", u.PasswordEnv)
		case v == "":
			c.addf(p+".password_env", "environment variable %q is empty; write password: \"\" for a user without password", u.PasswordEnv)
		default:
			u.Password = v
		}
	case "password_file":
		if u.PasswordFile == "" {
			c.addf(p+".password_file", "empty: name the file holding the password")
			return
		}
		data, err := os.ReadFile(c.files.path(u.PasswordFile))
		if err != nil {
			c.addf(p+".password_file", "cannot read the password: %v", err)
			return
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			c.addf(p+".password_file", "%s is empty; write password: \"\" for a user without password", u.PasswordFile)
			return
		}
		u.Password = v
	}
}

func (c *checker) userSchemas(p string, names []string, schemas []Schema) {
	var known []string
	for _, s := range schemas {
		known = append(known, s.Name)
	}
	seen := firstIndex{}
	for j, name := range names {
		q := fmt.Sprintf("%s.schemas[%d]", p, j)
		found := slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, name) })
		if !found {
			c.addf(q, "%q is not a configured schema; configured schemas: %s", name, shardSet(known))
		} else if k, dup := seen.seen(strings.ToLower(name), j); dup {
			c.addf(q, "duplicate schema %q (also schemas[%d])", name, k)
		}
	}
}

func (c *checker) shards(shards []Shard) {
	if len(shards) == 0 {
		c.addf("shards", "at least one shard is required")
	}
	names := firstIndex{}
	for i := range shards {
		s := &shards[i]
		p := fmt.Sprintf("shards[%d]", i)
		if !validName(s.Name, 64, "_-") {
			c.addf(p+".name", "%q is not a valid shard name: use 1 to 64 of A-Z a-z 0-9 _ -", s.Name)
		} else if j, dup := names.seen(s.Name, i); dup {
			c.addf(p+".name", "duplicate shard %q (also shards[%d])", s.Name, j)
		}
		c.dsn(p+".dsn", s)
	}
}

// dsn parses s.DSN into the Shard's connection fields.
func (c *checker) dsn(path string, s *Shard) {
	if s.DSN == "" {
		c.addf(path, "required: %s", dsnFormat)
		return
	}
	d, err := parseDSN(s.DSN)
	if err != nil {
		c.addf(path, "%v", err)
		return
	}
	s.Net, s.Addr, s.User, s.Password, s.Params = d.net, d.addr, d.user, d.password, d.params
	if v, ok := s.Params["tls"]; ok && !oneOf(v, ShardTLSOff, ShardTLSVerify, ShardTLSSkipVerify) {
		c.addf(path, "tls=%s is not supported: use tls=true (verify the shard's certificate against the system roots or backend.tls_ca_file), tls=skip-verify (encrypt without verifying) or tls=false", v)
	}
}

// Values of the tls parameter of a shard DSN.
const (
	ShardTLSOff        = "false"
	ShardTLSVerify     = "true"
	ShardTLSSkipVerify = "skip-verify"
)

func (c *checker) schemas(schemas []Schema, shards []string) {
	if len(schemas) == 0 {
		c.addf("schemas", "at least one schema (logical database) is required")
	}
	known := shardSet(shards)
	names := firstIndex{}
	for i := range schemas {
		s := &schemas[i]
		p := fmt.Sprintf("schemas[%d]", i)
		if !validIdent(s.Name) {
			c.addf(p+".name", "%q is not a valid schema name: %s", s.Name, identRule)
		} else if j, dup := names.seen(strings.ToLower(s.Name), i); dup {
			c.addf(p+".name", "duplicate schema %q (also schemas[%d]; names are case-insensitive)", s.Name, j)
		}
		switch {
		case s.DefaultShard == "":
			c.addf(p+".default_shard", "required: the shard holding the schema's unsharded tables; configured shards: %s", known)
		case !known.has(s.DefaultShard):
			c.addf(p+".default_shard", "%q is not a configured shard; configured shards: %s", s.DefaultShard, known)
		}
		c.tables(p, s.Tables, known)
	}
}

func (c *checker) tables(schemaPath string, tables []Table, known shardSet) {
	names := firstIndex{}
	for i := range tables {
		t := &tables[i]
		p := fmt.Sprintf("%s.tables[%d]", schemaPath, i)
		if !validIdent(t.Name) {
			c.addf(p+".name", "%q is not a valid table name: %s", t.Name, identRule)
		} else if j, dup := names.seen(strings.ToLower(t.Name), i); dup {
			c.addf(p+".name", "duplicate table %q (also tables[%d]; names are case-insensitive)", t.Name, j)
		}
		c.tableShards(p, t.Shards, known)
		if t.Broadcast {
			c.broadcast(p, t)
		} else {
			c.sharded(p, t)
		}
	}
}

func (c *checker) tableShards(tablePath string, shards []string, known shardSet) {
	seen := firstIndex{}
	for j, name := range shards {
		p := fmt.Sprintf("%s.shards[%d]", tablePath, j)
		if !known.has(name) {
			c.addf(p, "%q is not a configured shard; configured shards: %s", name, known)
		} else if k, dup := seen.seen(name, j); dup {
			c.addf(p, "duplicate shard %q (also shards[%d])", name, k)
		}
	}
}

func (c *checker) broadcast(p string, t *Table) {
	const why = "not allowed on a broadcast table, which keeps a full copy on each of its shards"
	if t.ShardKey != "" {
		c.addf(p+".shard_key", why)
	}
	if t.Algorithm != "" {
		c.addf(p+".algorithm", why)
	}
	if len(t.Ranges) > 0 {
		c.addf(p+".ranges", why)
	}
}

const algorithms = AlgorithmHash + ", " + AlgorithmMod + ", " + AlgorithmRange

func (c *checker) sharded(p string, t *Table) {
	if t.ShardKey == "" && t.Algorithm == "" {
		c.addf(p, "table %q needs either broadcast: true or shard_key and algorithm; unsharded tables live on the schema's default_shard and are simply not listed", t.Name)
		return
	}
	switch {
	case t.ShardKey == "":
		c.addf(p+".shard_key", "required for a sharded table: the column whose value picks the shard")
	case !validIdent(t.ShardKey):
		c.addf(p+".shard_key", "%q is not a valid column name: %s", t.ShardKey, identRule)
	}
	switch t.Algorithm {
	case "":
		c.addf(p+".algorithm", "required for a sharded table: one of %s", algorithms)
	case AlgorithmHash, AlgorithmMod:
		if len(t.Ranges) > 0 {
			c.addf(p+".ranges", "only allowed with algorithm: %s", AlgorithmRange)
		}
	case AlgorithmRange:
		c.ranges(p, t)
	default:
		c.addf(p+".algorithm", "unknown algorithm %q; supported: %s", t.Algorithm, algorithms)
	}
}

func (c *checker) ranges(tablePath string, t *Table) {
	if len(t.Ranges) == 0 {
		c.addf(tablePath+".ranges", "required for algorithm range: a list of {shard, below} in ascending order of below; the last may omit below")
		return
	}
	inTable := shardSet(t.Shards)
	var prev *int64
	for k, r := range t.Ranges {
		p := fmt.Sprintf("%s.ranges[%d]", tablePath, k)
		switch {
		case r.Shard == "":
			c.addf(p+".shard", "required: the shard for rows with key below the boundary")
		case !inTable.has(r.Shard):
			c.addf(p+".shard", "%q is not one of the table's shards: %s", r.Shard, inTable)
		}
		last := k == len(t.Ranges)-1
		switch {
		case r.Below == nil && !last:
			c.addf(p+".below", "required on every range but the last (rows with key < below go to this range's shard)")
		case r.Below != nil && prev != nil && *r.Below <= *prev:
			c.addf(p+".below", "%d must be greater than the previous boundary %d: ranges are listed in strictly ascending order", *r.Below, *prev)
		}
		if r.Below != nil {
			prev = r.Below
		}
	}
}

func (c *checker) coordinator(co *Coordinator) {
	for i, e := range co.Etcd.Endpoints {
		hostPort := strings.TrimPrefix(strings.TrimPrefix(e, "http://"), "https://")
		if err := checkHostPort(hostPort, true, false); err != nil {
			c.addf(fmt.Sprintf("coordinator.etcd.endpoints[%d]", i), "%v (e.g. \"127.0.0.1:2379\")", err)
		}
	}
	if p := co.Etcd.Prefix; !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		c.addf("coordinator.etcd.prefix", "%q must start and end with \"/\", e.g. \"/xaproxy/\"", p)
	}
	c.positive("coordinator.etcd.dial_timeout", co.Etcd.DialTimeout)
	// 27: the room an XA gtrid (64 bytes) leaves the name next to the
	// deployment tag, the start time and the counter (xa.MaxInstanceLen).
	if co.InstanceID != "" && !validName(co.InstanceID, 27, "_.-") {
		c.addf("coordinator.instance_id", "%q is not a valid instance id: use 1 to 27 of A-Z a-z 0-9 _ . - (it is part of every XA gtrid and of etcd keys), or leave it empty to derive one", co.InstanceID)
	}
	if co.Deployment != "" && !validName(co.Deployment, 64, "_.-/:") {
		c.addf("coordinator.deployment", "%q is not a valid deployment name: use 1 to 64 of A-Z a-z 0-9 _ . - / :, or leave it empty to use the etcd prefix", co.Deployment)
	}
	c.positive("coordinator.abandon_after", co.AbandonAfter)
	c.positive("coordinator.recover_every", co.RecoverEvery)
}

func (c *checker) backend(b *Backend) {
	if b.MaxOpen < 1 {
		c.addf("backend.max_open", "must be at least 1, got %d", b.MaxOpen)
	}
	if b.MaxIdle < 0 || b.MaxIdle > b.MaxOpen {
		c.addf("backend.max_idle", "must be from 0 to max_open (%d), got %d", b.MaxOpen, b.MaxIdle)
	}
	c.positive("backend.connect_timeout", b.ConnectTimeout)
	c.positive("backend.idle_timeout", b.IdleTimeout)
	c.positive("backend.wait_timeout", b.WaitTimeout)
	c.nonNegative("backend.catalog_refresh", b.CatalogRefresh, "0 reads the definitions only at start, after DDL and for unknown tables or columns")
	if d := b.CatalogRefresh.Duration; d > 0 && d < time.Second {
		c.addf("backend.catalog_refresh", "must be 0 or at least 1s (each read scans information_schema on every shard), got %s", b.CatalogRefresh.String())
	}
}

// Bounds of frontend.max_packet_size: MySQL's max_allowed_packet range.
const (
	minPacketSize Size = 1 << 10
	maxPacketSize Size = 1 << 30
)

func (c *checker) frontend(f *Frontend) {
	if f.MaxConnections < 1 {
		c.addf("frontend.max_connections", "must be at least 1, got %d", f.MaxConnections)
	}
	c.positive("frontend.shutdown_timeout", f.ShutdownTimeout)
	if !hasVersionPrefix(f.ServerVersion) {
		c.addf("frontend.server_version", "%q must start with a numeric version such as \"8.0.36\": client libraries parse it to choose features", f.ServerVersion)
	}
	c.tls(&f.TLS, f.RequireTLS)
	c.loginThrottle(&f.LoginThrottle)
	c.nonNegative("frontend.idle_timeout", f.IdleTimeout, "0 keeps idle sessions open forever")
	c.nonNegative("frontend.query_timeout", f.QueryTimeout, "0 means no limit")
	if f.MaxPacketSize < minPacketSize || f.MaxPacketSize > maxPacketSize {
		c.addf("frontend.max_packet_size", "must be from %s to %s, got %d bytes", minPacketSize, maxPacketSize, int64(f.MaxPacketSize))
	}
}

// tls loads the frontend's certificate.
func (c *checker) tls(t *TLS, requireAlias bool) {
	switch {
	case t.CertFile == "" && t.KeyFile == "":
		switch {
		case t.SelfSigned:
		case t.Require:
			c.addf("frontend.tls.require", "needs cert_file and key_file, or self_signed: true: clients cannot switch to TLS without a certificate")
		case requireAlias:
			c.addf("frontend.require_tls", "needs frontend.tls.cert_file and key_file, or frontend.tls.self_signed: true: clients cannot switch to TLS without a certificate")
		}
		return
	case t.CertFile == "":
		c.addf("frontend.tls.cert_file", "required with key_file: the PEM certificate (chain) presented to clients")
		return
	case t.KeyFile == "":
		c.addf("frontend.tls.key_file", "required with cert_file: the PEM private key of the certificate")
		return
	}
	cert, err := tls.LoadX509KeyPair(c.files.path(t.CertFile), c.files.path(t.KeyFile))
	if err != nil {
		c.addf("frontend.tls.cert_file", "cannot load the certificate and key: %v", err)
		return
	}
	t.Certificate = &cert
}

func (c *checker) loginThrottle(l *LoginThrottle) {
	if l.MaxFailures < 0 {
		c.addf("frontend.login_throttle.max_failures", "must be 0 (no throttle) or more, got %d", l.MaxFailures)
	}
	c.positive("frontend.login_throttle.window", l.Window)
	c.positive("frontend.login_throttle.block_for", l.BlockFor)
	if l.MaxHosts < 1 {
		c.addf("frontend.login_throttle.max_hosts", "must be at least 1, got %d", l.MaxHosts)
	}
}

// backendTLS reads the CA bundle that verifies the shards' certificates.
func (c *checker) backendTLS(b *Backend, shards []Shard) {
	if b.TLSCAFile == "" {
		return
	}
	if !slices.ContainsFunc(shards, func(s Shard) bool { return s.Params["tls"] == ShardTLSVerify }) {
		c.addf("backend.tls_ca_file", "no shard verifies its certificate: add tls=true to the shard DSNs that the CA signs (tls=skip-verify and plain connections do not use it)")
	}
	data, err := os.ReadFile(c.files.path(b.TLSCAFile))
	if err != nil {
		c.addf("backend.tls_ca_file", "cannot read the CA bundle: %v", err)
		return
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		c.addf("backend.tls_ca_file", "%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", b.TLSCAFile)
		return
	}
	b.TLSCA = data
}

func (c *checker) log(l *Log) {
	if !oneOf(l.Level, "debug", "info", "warn", "error") {
		c.addf("log.level", "unknown level %q; supported: debug, info, warn, error", l.Level)
	}
	if !oneOf(l.Format, "text", "json") {
		c.addf("log.format", "unknown format %q; supported: text, json", l.Format)
	}
	c.nonNegative("log.slow_query", l.SlowQuery, "0 logs no statement")
}

func (c *checker) positive(path string, d Duration) {
	if d.Duration <= 0 {
		c.addf(path, "must be a positive duration such as \"5s\", got %q", d.String())
	}
}

func (c *checker) nonNegative(path string, d Duration, zero string) {
	if d.Duration < 0 {
		c.addf(path, "must be a duration such as \"5s\" (%s), got %q", zero, d.String())
	}
}

func oneOf(s string, allowed ...string) bool {
	return slices.Contains(allowed, s)
}

// shardSet is a list of shard names that prints as one in messages.
type shardSet []string

func (s shardSet) has(name string) bool { return oneOf(name, s...) }

func (s shardSet) String() string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}

const identRule = "use 1 to 64 of A-Z a-z 0-9 _ $, not all digits"

// validIdent reports whether s is a MySQL identifier that needs no quoting
// (ASCII subset), so names can be spliced into rewritten SQL safely.
func validIdent(s string) bool {
	if !validName(s, 64, "_$") {
		return false
	}
	return strings.Trim(s, "0123456789") != ""
}

// validName reports whether s is 1 to maxLen ASCII letters, digits or
// bytes from extra.
func validName(s string, maxLen int, extra string) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		alnum := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
		if !alnum && strings.IndexByte(extra, b) < 0 {
			return false
		}
	}
	return true
}

// hasVersionPrefix reports whether s starts with major.minor.patch digits.
func hasVersionPrefix(s string) bool {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 {
		return false
	}
	isNum := func(p string) bool { return p != "" && strings.Trim(p, "0123456789") == "" }
	patch := strings.TrimLeft(parts[2], "0123456789")
	return isNum(parts[0]) && isNum(parts[1]) && len(patch) < len(parts[2])
}
