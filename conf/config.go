// Package conf defines xaproxy's YAML configuration: its schema, defaults,
// strict parsing and validation.
//
// Parse and Load are the entry points. A key that is absent from the file
// takes its default (see Default); a key that is present is taken as written
// and validated, so an explicit "max_idle: 0" really means no idle
// connections, while "max_open: 0" is reported instead of silently replaced.
// Empty strings take the default too, because an empty address, prefix, log
// level or server version is never meaningful.
//
// Parsing is strict: unknown keys, duplicate keys and values of the wrong
// type are errors. Every problem found is reported at once in an *Error whose
// Problems name the offending field by path, e.g.
// "schemas[0].tables[1].algorithm".
package conf

import (
	"crypto/tls"
	"math"
	"slices"
	"strings"
	"time"
)

// Sharding algorithms accepted in Table.Algorithm.
const (
	AlgorithmHash  = "hash"  // shard = hash(key) mod len(shards)
	AlgorithmMod   = "mod"   // shard = key mod len(shards), for integer keys
	AlgorithmRange = "range" // shard chosen by Table.Ranges
)

// Config is the whole configuration file.
type Config struct {
	Listen      string      `yaml:"listen"`       // MySQL protocol address, default "127.0.0.1:3307"
	AdminListen string      `yaml:"admin_listen"` // HTTP admin address (/healthz, /readyz, /metrics, status page), default "127.0.0.1:9107"
	Users       []User      `yaml:"users"`        // accounts clients log in with; at least one
	Shards      []Shard     `yaml:"shards"`       // backend MySQL servers; at least one
	Schemas     []Schema    `yaml:"schemas"`      // logical databases; at least one
	Coordinator Coordinator `yaml:"coordinator"`
	// AutoIncrement configures the ids of sharded AUTO_INCREMENT tables
	// (docs/auto-increment.md).
	AutoIncrement AutoIncrement `yaml:"auto_increment"`
	Backend       Backend       `yaml:"backend"`
	Frontend      Frontend      `yaml:"frontend"`
	Log           Log           `yaml:"log"`
}

// User is an account clients authenticate with against the proxy.
type User struct {
	Name string `yaml:"name"`
	// Exactly one of Password, PasswordEnv and PasswordFile is given.
	// Password is the password itself ("" for an empty password); after
	// Parse it holds the password whichever way it was given.
	Password string `yaml:"password"`
	// PasswordEnv names an environment variable holding the password,
	// read when the file is loaded (and again at each reload).
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile is a file holding the password, trailing newlines
	// trimmed; a relative path is relative to the configuration file.
	PasswordFile string `yaml:"password_file"`
	// AuthPlugin is how the password is checked at the handshake:
	// mysql_native_password (default: every client library speaks it) or
	// caching_sha2_password (MySQL 8's default; over a plain connection the
	// client fetches the proxy's RSA key for the first login).
	AuthPlugin string `yaml:"auth_plugin"`
	// Schemas are the logical schemas the user may see and use; empty (the
	// default) means all of them.
	Schemas []string `yaml:"schemas"`
	// MaxConnections bounds the user's concurrent sessions; 0 (the
	// default) means only frontend.max_connections applies.
	MaxConnections int `yaml:"max_connections"`
	// FileAccess lets the user read and write files on the shards' servers
	// with the backend account's FILE privilege (LOAD_FILE(), SELECT ...
	// INTO OUTFILE/DUMPFILE); off by default.
	FileAccess bool `yaml:"file_access"`
	// ReadOnly limits the user to statements that change nothing: writes,
	// DDL and LOCK TABLES are refused with 1142.
	ReadOnly bool `yaml:"read_only"`
	// Admin lets the user see every proxy session in SHOW PROCESSLIST and
	// information_schema.PROCESSLIST and KILL any of them, as MariaDB's
	// PROCESS and CONNECTION ADMIN privileges do; others see and kill only
	// their own user's sessions.
	Admin bool `yaml:"admin"`
}

// CanUse reports whether the user may use the logical schema name
// (case-insensitive, as MySQL compares database names).
func (u *User) CanUse(name string) bool {
	if len(u.Schemas) == 0 {
		return true
	}
	for _, s := range u.Schemas {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// Authentication plugins a user may use.
const (
	AuthNativePassword      = "mysql_native_password"
	AuthCachingSHA2Password = "caching_sha2_password"
)

// Shard is one backend MySQL server.
type Shard struct {
	Name string `yaml:"name"` // [A-Za-z0-9_-]{1,64}
	// DSN in go-sql-driver style: user[:password]@tcp(host:port)/[?params]
	// or user[:password]@unix(/path/to/socket)/[?params]. It must not name
	// a database: the proxy picks the database per schema.
	DSN string `yaml:"dsn"`

	// Parsed from DSN by Parse; not YAML keys.
	Net      string            `yaml:"-"` // "tcp" or "unix"
	Addr     string            `yaml:"-"` // host:port for tcp, socket path for unix
	User     string            `yaml:"-"`
	Password string            `yaml:"-"`
	Params   map[string]string `yaml:"-"` // DSN query parameters, unescaped; nil if none
}

// Schema is a logical database. It has the same physical name on every shard.
type Schema struct {
	Name         string  `yaml:"name"`
	DefaultShard string  `yaml:"default_shard"` // holds the tables not listed in Tables
	Tables       []Table `yaml:"tables"`        // sharded and broadcast tables only
}

// Table describes how one table is spread over the shards. It is either
// broadcast (a full copy on each of Shards) or sharded by ShardKey using
// Algorithm.
type Table struct {
	Name      string   `yaml:"name"`
	ShardKey  string   `yaml:"shard_key"` // column whose value picks the shard
	Algorithm string   `yaml:"algorithm"` // AlgorithmHash, AlgorithmMod or AlgorithmRange
	Broadcast bool     `yaml:"broadcast"`
	Shards    []string `yaml:"shards"` // shards the table spans; default: all shards in config order
	Ranges    []Range  `yaml:"ranges"` // only for AlgorithmRange
}

// Range sends rows with key < Below to Shard. Ranges are listed in
// ascending order of Below; the first range covers everything below its
// boundary and only the last may omit Below (nil = unbounded).
type Range struct {
	Shard string `yaml:"shard"`
	Below *int64 `yaml:"below"`
}

// Coordinator configures distributed (XA) transaction bookkeeping.
type Coordinator struct {
	Etcd Etcd `yaml:"etcd"`
	// InstanceID names this proxy in etcd. Empty (the default) lets the
	// binary derive one, e.g. from the host name and listen port; if set it
	// must be [A-Za-z0-9_.-]{1,27}, the room an XA gtrid leaves it
	// (xa.MaxInstanceLen).
	InstanceID string `yaml:"instance_id"`
	// Deployment names the set of proxies that share one decision log.
	// Its hash (xa.DeploymentTag) is part of every XA gtrid, and recovery
	// touches only branches carrying its own: two deployments on the same
	// shards never finish each other's transactions. Empty (the default)
	// means the etcd prefix, which is unique per deployment on one etcd
	// cluster; deployments on separate etcd clusters that share shards must
	// differ in prefix or in this name. Every proxy of a deployment must
	// have the same value (checked in etcd at start).
	Deployment string `yaml:"deployment"`
	// AbandonAfter is the age after which recovery may abort a prepared
	// branch whose transaction has no recorded decision. Default 30s.
	AbandonAfter Duration `yaml:"abandon_after"`
	RecoverEvery Duration `yaml:"recover_every"` // recovery scan interval, default 10s
	// LockingReads makes SELECTs inside transactions LOCK IN SHARE MODE
	// (sessions can change it with SET xaproxy_locking_reads = ON|OFF), so
	// that they never see half of a distributed commit. Default false.
	LockingReads bool `yaml:"locking_reads"`
}

// DeploymentName is the deployment's name (see Coordinator.Deployment):
// the configured one, else the etcd prefix; "" without etcd.
func (co Coordinator) DeploymentName() string {
	switch {
	case co.Deployment != "":
		return co.Deployment
	case len(co.Etcd.Endpoints) > 0:
		return co.Etcd.Prefix
	}
	return ""
}

// Etcd locates the etcd cluster holding transaction decisions. With no
// endpoints the proxy runs without distributed transactions.
type Etcd struct {
	Endpoints   []string `yaml:"endpoints"`    // host:port, optionally prefixed by http:// or https://
	Prefix      string   `yaml:"prefix"`       // key prefix, starts and ends with "/"; default "/xaproxy/"
	DialTimeout Duration `yaml:"dial_timeout"` // default 3s
}

// AutoIncrement configures the sequences that give sharded tables their
// AUTO_INCREMENT ids, kept in etcd under coordinator.etcd.prefix +
// "autoinc/" (in memory without etcd).
type AutoIncrement struct {
	// BlockSize is how many ids a proxy reserves at a time; 0 means 100.
	// Larger blocks mean fewer etcd round trips and larger gaps after a
	// restart and between proxies.
	BlockSize int `yaml:"block_size"`
}

// Backend configures the per-shard connection pools.
type Backend struct {
	MaxOpen        int      `yaml:"max_open"`        // per shard, default 64
	MaxIdle        int      `yaml:"max_idle"`        // per shard, 0..MaxOpen, default MaxOpen
	ConnectTimeout Duration `yaml:"connect_timeout"` // default 5s
	IdleTimeout    Duration `yaml:"idle_timeout"`    // idle pooled connections are closed after this, default 5m
	WaitTimeout    Duration `yaml:"wait_timeout"`    // how long a session waits for a free connection, default 10s
	// CatalogRefresh is how often the proxy reads the table, routine and
	// trigger definitions from the shards again, so that one changed on
	// the shards directly is known within this long; 0 reads them only at
	// start, after DDL through the proxy, when a statement names an
	// unknown table and after a shard answers 1146 or 1054. Default 30s.
	CatalogRefresh Duration `yaml:"catalog_refresh"`
	// TLSCAFile is a PEM bundle of the certificate authorities that sign
	// the shards' certificates: shards whose DSN says tls=true are
	// verified against it instead of the system roots (relative to the
	// configuration file). Empty (the default): the system roots.
	TLSCAFile string `yaml:"tls_ca_file"`

	// TLSCA is the content of TLSCAFile, read by Parse; not a key.
	TLSCA []byte `yaml:"-"`
}

// Frontend configures the client-facing MySQL protocol server.
type Frontend struct {
	MaxConnections  int      `yaml:"max_connections"`  // default 1000
	ShutdownTimeout Duration `yaml:"shutdown_timeout"` // how long SIGTERM waits for running statements, default 15s
	// ServerVersion is announced in the handshake. It must start with a
	// numeric x.y.z version because client libraries parse it to decide
	// which features to use. Default "10.11.0-MariaDB-xaproxy".
	ServerVersion string `yaml:"server_version"`
	TLS           TLS    `yaml:"tls"`
	// RequireTLS is an alias of TLS.Require.
	RequireTLS bool `yaml:"require_tls"`
	// IdleTimeout closes a session that sends no command for this long,
	// like MySQL's wait_timeout; 0 never closes one. Default 8h.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// QueryTimeout interrupts a statement running longer (KILL QUERY on
	// its shards; the client gets 3024); 0, the default, means no limit.
	QueryTimeout Duration `yaml:"query_timeout"`
	// MaxPacketSize refuses a client packet (a query, a prepared statement
	// execution) larger than this with 1153, like max_allowed_packet.
	// Default 64MiB.
	MaxPacketSize Size `yaml:"max_packet_size"`
	// LoginThrottle refuses logins from an address after repeated
	// authentication failures from it.
	LoginThrottle LoginThrottle `yaml:"login_throttle"`
}

// LoginThrottle bounds password guessing, like MariaDB's
// max_connect_errors and MySQL's connection_control: after MaxFailures
// failed logins (wrong password or unknown user) from one address within
// Window, new connections from that address are refused with 1129 for
// BlockFor. A successful login from the address resets its count.
type LoginThrottle struct {
	// MaxFailures is the number of failures that blocks an address; 0
	// turns the throttle off. Default 10.
	MaxFailures int      `yaml:"max_failures"`
	Window      Duration `yaml:"window"`    // failures older than this are forgotten, default 1m
	BlockFor    Duration `yaml:"block_for"` // how long an address stays blocked, default 5m
	// MaxHosts bounds the addresses tracked at once (the oldest is
	// forgotten first), so that many addresses cannot exhaust memory.
	// Default 10000. IPv6 addresses count by /64 network.
	MaxHosts int `yaml:"max_hosts"`
}

// TLS configures TLS on the MySQL port.
type TLS struct {
	// CertFile and KeyFile are PEM files (relative paths are relative to
	// the configuration file). With both, clients may switch to TLS.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Require refuses clients that do not switch to TLS (error 3159).
	Require bool `yaml:"require"`
	// SelfSigned: without CertFile and KeyFile, the proxy generates a
	// self-signed certificate at start (kept in memory, its SHA-256
	// fingerprint logged), so clients asking for TLS get it, as MySQL 8
	// and MariaDB 11.4 do. Default true; false leaves TLS off unless
	// files are given.
	SelfSigned bool `yaml:"self_signed"`

	// Certificate is loaded from CertFile and KeyFile by Parse; not a key.
	Certificate *tls.Certificate `yaml:"-"`
}

// Enabled tells whether a certificate is configured (CertFile and KeyFile).
func (t *TLS) Enabled() bool { return t.Certificate != nil }

// Generated tells whether the proxy makes its own certificate: none is
// configured and self_signed is on.
func (t *TLS) Generated() bool { return t.Certificate == nil && t.SelfSigned }

// TLSRequired tells whether clients must use TLS.
func (f *Frontend) TLSRequired() bool { return f.TLS.Require || f.RequireTLS }

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn or error; default info
	Format string `yaml:"format"` // text or json; default text
	// SlowQuery logs every statement that runs at least this long, with
	// its user, database and shards; 0 (the default) logs none.
	SlowQuery Duration `yaml:"slow_query"`
}

// idleAsOpen is the default of backend.max_idle: the same as max_open.
const idleAsOpen = math.MinInt32 // not a value anyone writes: -1 stays an error

// Default returns a Config holding every default value; the lists (users,
// shards, schemas, endpoints) are empty.
func Default() *Config {
	return &Config{
		Listen:      "127.0.0.1:3307",
		AdminListen: "127.0.0.1:9107",
		Coordinator: Coordinator{
			Etcd:         Etcd{Prefix: "/xaproxy/", DialTimeout: Duration{3 * time.Second}},
			AbandonAfter: Duration{30 * time.Second},
			RecoverEvery: Duration{10 * time.Second},
		},
		Backend: Backend{
			MaxOpen: 64,
			// Resolved to MaxOpen by applyDefaults: fewer idle slots than
			// open connections make a busy pool close and redial
			// connections (and re-prepare statements) on every burst.
			MaxIdle:        idleAsOpen,
			ConnectTimeout: Duration{5 * time.Second},
			IdleTimeout:    Duration{5 * time.Minute},
			WaitTimeout:    Duration{10 * time.Second},
			CatalogRefresh: Duration{30 * time.Second},
		},
		Frontend: Frontend{
			MaxConnections:  1000,
			ShutdownTimeout: Duration{15 * time.Second},
			ServerVersion:   "10.11.0-MariaDB-xaproxy",
			IdleTimeout:     Duration{8 * time.Hour},
			MaxPacketSize:   64 << 20,
			TLS:             TLS{SelfSigned: true},
			LoginThrottle: LoginThrottle{
				MaxFailures: 10,
				Window:      Duration{time.Minute},
				BlockFor:    Duration{5 * time.Minute},
				MaxHosts:    10000,
			},
		},
		Log: Log{Level: "info", Format: "text"},
	}
}

// applyDefaults fills what decoding over Default cannot: empty strings the
// user wrote explicitly, and table shard lists, whose default depends on the
// configured shards.
func (c *Config) applyDefaults() {
	d := Default()
	if c.Backend.MaxIdle == idleAsOpen {
		c.Backend.MaxIdle = c.Backend.MaxOpen
	}
	setIfEmpty(&c.Listen, d.Listen)
	setIfEmpty(&c.AdminListen, d.AdminListen)
	setIfEmpty(&c.Coordinator.Etcd.Prefix, d.Coordinator.Etcd.Prefix)
	setIfEmpty(&c.Frontend.ServerVersion, d.Frontend.ServerVersion)
	setIfEmpty(&c.Log.Level, d.Log.Level)
	setIfEmpty(&c.Log.Format, d.Log.Format)

	for i := range c.Users {
		setIfEmpty(&c.Users[i].AuthPlugin, AuthNativePassword)
	}
	all := c.shardNames()
	for i := range c.Schemas {
		for j := range c.Schemas[i].Tables {
			if t := &c.Schemas[i].Tables[j]; len(t.Shards) == 0 {
				// Each table gets its own copy so that callers mutating
				// one table's list cannot affect another's.
				t.Shards = slices.Clone(all)
			}
		}
	}
}

func setIfEmpty(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

// shardNames returns the distinct non-empty shard names in config order.
// Duplicates and empty names are validation errors reported on the shards
// themselves, so they are left out here rather than repeated on every table.
func (c *Config) shardNames() []string {
	var names []string
	for _, s := range c.Shards {
		if s.Name != "" && !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}

// Schema returns the schema with the given name, compared
// case-insensitively as MySQL does for database names, or nil.
func (c *Config) Schema(name string) *Schema {
	for i := range c.Schemas {
		if strings.EqualFold(c.Schemas[i].Name, name) {
			return &c.Schemas[i]
		}
	}
	return nil
}

// Shard returns the shard with the given name (exact match), or nil.
func (c *Config) Shard(name string) *Shard {
	for i := range c.Shards {
		if c.Shards[i].Name == name {
			return &c.Shards[i]
		}
	}
	return nil
}

// User returns the user with the given name, or nil. The match is exact
// because MySQL user names are case-sensitive.
func (c *Config) User(name string) *User {
	for i := range c.Users {
		if c.Users[i].Name == name {
			return &c.Users[i]
		}
	}
	return nil
}

// Table returns the listed table with the given name, compared
// case-insensitively, or nil. A nil result means the table is unsharded and
// lives on the schema's DefaultShard.
func (s *Schema) Table(name string) *Table {
	for i := range s.Tables {
		if strings.EqualFold(s.Tables[i].Name, name) {
			return &s.Tables[i]
		}
	}
	return nil
}
