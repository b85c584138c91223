package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// sectionOrder is the order top-level keys are written by configWith.
func sectionOrder() []string {
	return []string{"listen", "admin_listen", "users", "shards", "schemas", "coordinator", "backend", "auto_increment", "frontend", "log", "extra"}
}

// configWith returns a valid configuration whose top-level sections are
// replaced by over (flow-style YAML values); an empty value drops the key.
// The "extra" key is written verbatim, for unknown keys.
func configWith(over map[string]string) string {
	sections := map[string]string{
		"users":   `[{name: app, password: secret}]`,
		"shards":  `[{name: s0, dsn: "root@tcp(127.0.0.1:3310)/"}, {name: s1, dsn: "root@tcp(127.0.0.1:3311)/"}]`,
		"schemas": `[{name: shop, default_shard: s0}]`,
	}
	for k, v := range over {
		sections[k] = v
	}
	var b strings.Builder
	for _, k := range sectionOrder() {
		switch v, ok := sections[k]; {
		case !ok || v == "":
		case k == "extra":
			b.WriteString(v + "\n")
		default:
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

// withTables returns a schemas section holding one schema with tables.
func withTables(tables string) map[string]string {
	return map[string]string{"schemas": `[{name: shop, default_shard: s0, tables: [` + tables + `]}]`}
}

func problemsOf(t *testing.T, src string) []Problem {
	t.Helper()
	cfg, err := Parse([]byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded, want problems; config:\n%s", src)
	}
	if cfg != nil {
		t.Errorf("Parse returned a config along with error %v", err)
	}
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error is %T, want *Error: %v", err, err)
	}
	return cerr.Problems
}

func hasProblem(problems []Problem, path, msg string) bool {
	for _, p := range problems {
		if p.Path == path && strings.Contains(p.Msg, msg) {
			return true
		}
	}
	return false
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:3307" || cfg.AdminListen != "127.0.0.1:9107" {
		t.Errorf("listen = %q, admin_listen = %q", cfg.Listen, cfg.AdminListen)
	}
	if u := cfg.User("app"); u == nil || u.Password != "app-secret" {
		t.Errorf("User(app) = %+v", u)
	}
	s1 := cfg.Shard("s1")
	if s1 == nil {
		t.Fatal("Shard(s1) = nil")
	}
	if s1.Net != "tcp" || s1.Addr != "127.0.0.1:3311" || s1.User != "root" || s1.Password != "" || s1.Params != nil {
		t.Errorf("shard s1 DSN parsed as %+v", *s1)
	}
	shop := cfg.Schema("SHOP")
	if shop == nil || shop.DefaultShard != "s0" {
		t.Fatalf("Schema(SHOP) = %+v", shop)
	}
	orders := shop.Table("Orders")
	if orders == nil || orders.ShardKey != "user_id" || orders.Algorithm != AlgorithmHash {
		t.Fatalf("Table(Orders) = %+v", orders)
	}
	countries := shop.Table("countries")
	if countries == nil || !countries.Broadcast {
		t.Fatalf("Table(countries) = %+v", countries)
	}
	for _, tbl := range []*Table{orders, countries} {
		if want := []string{"s0", "s1"}; !reflect.DeepEqual(tbl.Shards, want) {
			t.Errorf("table %s shards = %v, want default %v", tbl.Name, tbl.Shards, want)
		}
	}
	orders.Shards[0] = "changed"
	if countries.Shards[0] != "s0" {
		t.Error("tables share one default shards slice")
	}

	co := cfg.Coordinator
	if !reflect.DeepEqual(co.Etcd.Endpoints, []string{"127.0.0.1:2379"}) || co.Etcd.Prefix != "/xaproxy/" {
		t.Errorf("etcd = %+v", co.Etcd)
	}
	durations := []struct {
		name      string
		got, want time.Duration
	}{
		{"coordinator.etcd.dial_timeout", co.Etcd.DialTimeout.Duration, 3 * time.Second},
		{"coordinator.abandon_after", co.AbandonAfter.Duration, 30 * time.Second},
		{"coordinator.recover_every", co.RecoverEvery.Duration, 10 * time.Second},
		{"backend.connect_timeout", cfg.Backend.ConnectTimeout.Duration, 5 * time.Second},
		{"backend.idle_timeout", cfg.Backend.IdleTimeout.Duration, 5 * time.Minute},
		{"backend.wait_timeout", cfg.Backend.WaitTimeout.Duration, 10 * time.Second},
		{"backend.catalog_refresh", cfg.Backend.CatalogRefresh.Duration, 30 * time.Second},
		{"frontend.shutdown_timeout", cfg.Frontend.ShutdownTimeout.Duration, 15 * time.Second},
	}
	for _, d := range durations {
		if d.got != d.want {
			t.Errorf("%s = %v, want %v", d.name, d.got, d.want)
		}
	}
	if co.InstanceID != "" {
		t.Errorf("instance_id = %q, want empty", co.InstanceID)
	}
	if cfg.Backend.MaxOpen != 64 || cfg.Backend.MaxIdle != 64 {
		t.Errorf("backend = %+v", cfg.Backend)
	}
	if cfg.Frontend.MaxConnections != 1000 || cfg.Frontend.ServerVersion != "10.11.0-MariaDB-xaproxy" {
		t.Errorf("frontend = %+v", cfg.Frontend)
	}
	if cfg.Log != (Log{Level: "info", Format: "text"}) {
		t.Errorf("log = %+v", cfg.Log)
	}
}

func TestMaxIdleDefaultsToMaxOpen(t *testing.T) {
	for _, tc := range []struct {
		backend  string
		wantIdle int
	}{
		{`{}`, 64},
		{`{max_open: 8}`, 8},
		{`{max_open: 8, max_idle: 3}`, 3},
	} {
		cfg, err := Parse([]byte(configWith(map[string]string{"backend": tc.backend})))
		if err != nil {
			t.Fatalf("%s: %v", tc.backend, err)
		}
		if cfg.Backend.MaxIdle != tc.wantIdle {
			t.Errorf("backend %s: max_idle = %d, want %d", tc.backend, cfg.Backend.MaxIdle, tc.wantIdle)
		}
	}
}

func TestExplicitValuesKept(t *testing.T) {
	src := configWith(map[string]string{
		"listen":      `":0"`,
		"coordinator": `{instance_id: px-1.local, abandon_after: 1m, etcd: {endpoints: ["http://etcd:2379"], prefix: /, dial_timeout: 250ms}}`,
		"backend":     `{max_open: 8, max_idle: 0, wait_timeout: 1s}`,
		"frontend":    `{server_version: "8.0.36-xaproxy"}`,
		"log":         `{level: debug, format: json}`,
		"schemas": `[{name: shop, default_shard: s1, tables: [
			{name: r, shard_key: id, algorithm: range, shards: [s1, s0], ranges: [{shard: s1, below: -5}, {shard: s0, below: 100}, {shard: s1}]}]}]`,
		"shards": `[{name: s0, dsn: "u:p@ss:w/rd@unix(/run/mysqld.sock)/?charset=utf8mb4&loc=Europe%2FParis"}, {name: s1, dsn: "root@tcp(db1:3306)/"}]`,
	})
	cfg, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":0" || cfg.AdminListen != "127.0.0.1:9107" {
		t.Errorf("listen = %q, admin_listen = %q", cfg.Listen, cfg.AdminListen)
	}
	if cfg.Backend.MaxOpen != 8 || cfg.Backend.MaxIdle != 0 || cfg.Backend.WaitTimeout.Duration != time.Second {
		t.Errorf("backend = %+v; an explicit max_idle: 0 must be kept", cfg.Backend)
	}
	if cfg.Backend.ConnectTimeout.Duration != 5*time.Second {
		t.Errorf("absent connect_timeout = %v, want default 5s", cfg.Backend.ConnectTimeout)
	}
	co := cfg.Coordinator
	if co.InstanceID != "px-1.local" || co.AbandonAfter.Duration != time.Minute || co.RecoverEvery.Duration != 10*time.Second {
		t.Errorf("coordinator = %+v", co)
	}
	if co.Etcd.Prefix != "/" || co.Etcd.DialTimeout.Duration != 250*time.Millisecond {
		t.Errorf("etcd = %+v", co.Etcd)
	}
	if cfg.Frontend.ServerVersion != "8.0.36-xaproxy" || cfg.Frontend.MaxConnections != 1000 {
		t.Errorf("frontend = %+v", cfg.Frontend)
	}
	if cfg.Log != (Log{Level: "debug", Format: "json"}) {
		t.Errorf("log = %+v", cfg.Log)
	}
	tbl := cfg.Schema("shop").Table("r")
	if !reflect.DeepEqual(tbl.Shards, []string{"s1", "s0"}) || len(tbl.Ranges) != 3 || *tbl.Ranges[0].Below != -5 || tbl.Ranges[2].Below != nil {
		t.Errorf("table r = %+v", tbl)
	}
	s0 := cfg.Shard("s0")
	wantParams := map[string]string{"charset": "utf8mb4", "loc": "Europe/Paris"}
	if s0.Net != "unix" || s0.Addr != "/run/mysqld.sock" || s0.User != "u" || s0.Password != "p@ss:w/rd" || !reflect.DeepEqual(s0.Params, wantParams) {
		t.Errorf("shard s0 = %+v", *s0)
	}
}

func TestEmptyStringsTakeDefaults(t *testing.T) {
	src := configWith(map[string]string{
		"admin_listen": `""`,
		"coordinator":  `{etcd: {prefix: ""}}`,
		"frontend":     `{server_version: ""}`,
		"log":          `{level: "", format: ""}`,
	})
	cfg, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if cfg.AdminListen != d.AdminListen || cfg.Coordinator.Etcd.Prefix != d.Coordinator.Etcd.Prefix ||
		cfg.Frontend.ServerVersion != d.Frontend.ServerVersion || cfg.Log != d.Log {
		t.Errorf("empty strings not defaulted: %+v", cfg)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name     string
		over     map[string]string
		wantPath string
		wantMsg  string
	}{
		// Addresses.
		{"listen not host:port", map[string]string{"listen": "localhost"}, "listen", "not host:port"},
		{"listen bad port", map[string]string{"listen": `"127.0.0.1:http"`}, "listen", "not a number"},
		{"admin_listen not host:port", map[string]string{"admin_listen": `"127.0.0.1"`}, "admin_listen", "not host:port"},

		// Users.
		{"no users", map[string]string{"users": ""}, "users", "at least one user"},
		{"empty users", map[string]string{"users": "[]"}, "users", "at least one user"},
		{"user without name", map[string]string{"users": "[{password: x}]"}, "users[0].name", "required"},
		{"duplicate user", map[string]string{"users": "[{name: a}, {name: b}, {name: a}]"}, "users[2].name", `duplicate user "a" (also users[0])`},
		{"unknown auth plugin", map[string]string{"users": "[{name: a, auth_plugin: sha256_password}]"}, "users[0].auth_plugin", `unknown plugin "sha256_password"`},

		// Shards.
		{"no shards", map[string]string{"shards": ""}, "shards", "at least one shard"},
		{"shard name with space", map[string]string{"shards": `[{name: "s 0", dsn: "root@tcp(h:1)/"}]`}, "shards[0].name", "A-Z a-z 0-9 _ -"},
		{"shard name too long", map[string]string{"shards": `[{name: ` + strings.Repeat("s", 65) + `, dsn: "root@tcp(h:1)/"}]`}, "shards[0].name", "1 to 64"},
		{"shard name empty", map[string]string{"shards": `[{dsn: "root@tcp(h:1)/"}]`}, "shards[0].name", "not a valid shard name"},
		{"duplicate shard", map[string]string{"shards": `[{name: s0, dsn: "root@tcp(h:1)/"}, {name: s0, dsn: "root@tcp(h:2)/"}]`}, "shards[1].name", "duplicate shard"},
		{"dsn missing", map[string]string{"shards": `[{name: s0}]`}, "shards[0].dsn", "required"},
		{"dsn with database", map[string]string{"shards": `[{name: s0, dsn: "root@tcp(h:1)/shop"}]`}, "shards[0].dsn", "picks the database per schema"},
		{"dsn bad protocol", map[string]string{"shards": `[{name: s0, dsn: "root@udp(h:1)/"}]`}, "shards[0].dsn", "use tcp or unix"},
		{"dsn no address", map[string]string{"shards": `[{name: s0, dsn: "root@tcp/"}]`}, "shards[0].dsn", "missing address"},

		// Schemas.
		{"no schemas", map[string]string{"schemas": ""}, "schemas", "at least one schema"},
		{"schema name invalid", map[string]string{"schemas": `[{name: "my-db", default_shard: s0}]`}, "schemas[0].name", "not a valid schema name"},
		{"schema name all digits", map[string]string{"schemas": `[{name: "123", default_shard: s0}]`}, "schemas[0].name", "not all digits"},
		{"duplicate schema ignoring case", map[string]string{"schemas": `[{name: shop, default_shard: s0}, {name: SHOP, default_shard: s0}]`}, "schemas[1].name", "case-insensitive"},
		{"default_shard missing", map[string]string{"schemas": `[{name: shop}]`}, "schemas[0].default_shard", "required"},
		{"default_shard unknown", map[string]string{"schemas": `[{name: shop, default_shard: s9}]`}, "schemas[0].default_shard", `"s9" is not a configured shard; configured shards: s0, s1`},

		// Tables.
		{"table name invalid", withTables(`{name: "a b", broadcast: true}`), "schemas[0].tables[0].name", "not a valid table name"},
		{"duplicate table ignoring case", withTables(`{name: t, broadcast: true}, {name: T, broadcast: true}`), "schemas[0].tables[1].name", "duplicate table"},
		{"broadcast with shard_key", withTables(`{name: t, broadcast: true, shard_key: id}`), "schemas[0].tables[0].shard_key", "broadcast"},
		{"broadcast with algorithm", withTables(`{name: t, broadcast: true, algorithm: hash}`), "schemas[0].tables[0].algorithm", "broadcast"},
		{"broadcast with ranges", withTables(`{name: t, broadcast: true, ranges: [{shard: s0}]}`), "schemas[0].tables[0].ranges", "broadcast"},
		{"neither broadcast nor sharded", withTables(`{name: t}`), "schemas[0].tables[0]", "simply not listed"},
		{"shard_key missing", withTables(`{name: t, algorithm: hash}`), "schemas[0].tables[0].shard_key", "required"},
		{"shard_key invalid", withTables(`{name: t, shard_key: "a;b", algorithm: hash}`), "schemas[0].tables[0].shard_key", "not a valid column name"},
		{"algorithm missing", withTables(`{name: t, shard_key: id}`), "schemas[0].tables[0].algorithm", "one of hash, mod, range"},
		{"algorithm unknown", withTables(`{name: t, shard_key: id, algorithm: crc}`), "schemas[0].tables[0].algorithm", `unknown algorithm "crc"; supported: hash, mod, range`},
		{"table shard unknown", withTables(`{name: t, shard_key: id, algorithm: mod, shards: [s0, s7]}`), "schemas[0].tables[0].shards[1]", `"s7" is not a configured shard`},
		{"table shard duplicate", withTables(`{name: t, broadcast: true, shards: [s1, s1]}`), "schemas[0].tables[0].shards[1]", "duplicate shard"},
		{"ranges with hash", withTables(`{name: t, shard_key: id, algorithm: hash, ranges: [{shard: s0}]}`), "schemas[0].tables[0].ranges", "only allowed with algorithm: range"},
		{"range without ranges", withTables(`{name: t, shard_key: id, algorithm: range}`), "schemas[0].tables[0].ranges", "required for algorithm range"},
		{"range shard missing", withTables(`{name: t, shard_key: id, algorithm: range, ranges: [{below: 5}]}`), "schemas[0].tables[0].ranges[0].shard", "required"},
		{"range shard not in table", withTables(`{name: t, shard_key: id, algorithm: range, shards: [s0], ranges: [{shard: s0, below: 5}, {shard: s1}]}`), "schemas[0].tables[0].ranges[1].shard", "not one of the table's shards: s0"},
		{"range below missing before last", withTables(`{name: t, shard_key: id, algorithm: range, ranges: [{shard: s0}, {shard: s1}]}`), "schemas[0].tables[0].ranges[0].below", "every range but the last"},
		{"range not ascending", withTables(`{name: t, shard_key: id, algorithm: range, ranges: [{shard: s0, below: 10}, {shard: s1, below: 10}]}`), "schemas[0].tables[0].ranges[1].below", "greater than the previous boundary 10"},

		// Coordinator.
		{"etcd endpoint not host:port", map[string]string{"coordinator": `{etcd: {endpoints: ["127.0.0.1:2379", "etcd"]}}`}, "coordinator.etcd.endpoints[1]", "not host:port"},
		{"etcd endpoint port 0", map[string]string{"coordinator": `{etcd: {endpoints: ["etcd:0"]}}`}, "coordinator.etcd.endpoints[0]", "1 to 65535"},
		{"etcd prefix without leading slash", map[string]string{"coordinator": `{etcd: {prefix: xaproxy/}}`}, "coordinator.etcd.prefix", `start and end with "/"`},
		{"etcd prefix without trailing slash", map[string]string{"coordinator": `{etcd: {prefix: /xaproxy}}`}, "coordinator.etcd.prefix", `start and end with "/"`},
		{"etcd dial_timeout negative", map[string]string{"coordinator": `{etcd: {dial_timeout: -1s}}`}, "coordinator.etcd.dial_timeout", "positive"},
		{"abandon_after zero", map[string]string{"coordinator": `{abandon_after: 0s}`}, "coordinator.abandon_after", "positive"},
		{"recover_every zero", map[string]string{"coordinator": `{recover_every: 0s}`}, "coordinator.recover_every", "positive"},
		{"instance_id invalid", map[string]string{"coordinator": `{instance_id: "a/b"}`}, "coordinator.instance_id", "not a valid instance id"},

		// Backend and frontend.
		{"max_open zero", map[string]string{"backend": `{max_open: 0, max_idle: 0}`}, "backend.max_open", "at least 1"},
		{"max_idle above max_open", map[string]string{"backend": `{max_open: 4, max_idle: 5}`}, "backend.max_idle", "from 0 to max_open (4), got 5"},
		{"max_idle negative", map[string]string{"backend": `{max_idle: -1}`}, "backend.max_idle", "from 0 to max_open"},
		{"connect_timeout zero", map[string]string{"backend": `{connect_timeout: 0s}`}, "backend.connect_timeout", "positive"},
		{"idle_timeout negative", map[string]string{"backend": `{idle_timeout: -5m}`}, "backend.idle_timeout", "positive"},
		{"wait_timeout zero", map[string]string{"backend": `{wait_timeout: 0ms}`}, "backend.wait_timeout", "positive"},
		{"catalog_refresh below a second", map[string]string{"backend": `{catalog_refresh: 10ms}`}, "backend.catalog_refresh", "at least 1s"},
		{"catalog_refresh negative", map[string]string{"backend": `{catalog_refresh: -1s}`}, "backend.catalog_refresh", "must be a duration"},
		{"max_connections zero", map[string]string{"frontend": `{max_connections: 0}`}, "frontend.max_connections", "at least 1"},
		{"shutdown_timeout zero", map[string]string{"frontend": `{shutdown_timeout: 0s}`}, "frontend.shutdown_timeout", "positive"},
		{"server_version not a version", map[string]string{"frontend": `{server_version: xaproxy}`}, "frontend.server_version", "numeric version"},

		// Log.
		{"log level unknown", map[string]string{"log": `{level: verbose}`}, "log.level", "supported: debug, info, warn, error"},
		{"log format unknown", map[string]string{"log": `{format: xml}`}, "log.format", "supported: text, json"},

		// Structure: unknown keys, duplicates, types.
		{"unknown top-level key", map[string]string{"extra": "lissten: x"}, "lissten", `unknown key "lissten" (did you mean "listen"?)`},
		{"unknown nested key", withTables(`{name: t, shard_key: id, algoritm: hash}`), "schemas[0].tables[0].algoritm",
			`unknown key "algoritm" (did you mean "algorithm"?); known keys: name, shard_key, algorithm, broadcast, shards, ranges`},
		{"parsed DSN fields are not keys", map[string]string{"shards": `[{name: s0, dsn: "root@tcp(h:1)/", addr: "h:1"}]`}, "shards[0].addr", "known keys: name, dsn"},
		{"duplicate key", map[string]string{"backend": `{max_open: 1, max_open: 2}`}, "backend.max_open", "duplicate key"},
		{"integer expected", map[string]string{"backend": `{max_open: lots}`}, "backend.max_open", `expected an integer, got "lots"`},
		{"bool expected", withTables(`{name: t, broadcast: sure}`), "schemas[0].tables[0].broadcast", "expected true or false"},
		{"duration without unit", map[string]string{"backend": `{wait_timeout: 10}`}, "backend.wait_timeout", "with a unit"},
		{"mapping expected", map[string]string{"backend": `[1, 2]`}, "backend", "expected a mapping with keys max_open, max_idle"},
		{"list expected", map[string]string{"coordinator": `{etcd: {endpoints: "127.0.0.1:2379"}}`}, "coordinator.etcd.endpoints", "expected a list"},
		{"string expected", map[string]string{"users": `[{name: [a]}]`}, "users[0].name", "expected a string, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := configWith(tt.over)
			problems := problemsOf(t, src)
			if !hasProblem(problems, tt.wantPath, tt.wantMsg) {
				t.Errorf("no problem at %q containing %q; got:\n%s\nconfig:\n%s", tt.wantPath, tt.wantMsg, (&Error{Problems: problems}).Error(), src)
			}
		})
	}
}

func TestSeveralProblemsAtOnce(t *testing.T) {
	src := configWith(map[string]string{
		"listen":  "nowhere",
		"users":   "[{name: a, password: x}, {name: a, password: y}]",
		"schemas": `[{name: shop, default_shard: s9, tables: [{name: t, shard_key: id, algorithm: crc}]}]`,
		"log":     "{level: loud}",
	})
	problems := problemsOf(t, src)
	want := []string{"listen", "users[1].name", "schemas[0].default_shard", "schemas[0].tables[0].algorithm", "log.level"}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(problems), len(want), problems)
	}
	for _, path := range want {
		if !hasProblem(problems, path, "") {
			t.Errorf("no problem at %q in %v", path, problems)
		}
	}
	msg := (&Error{Problems: problems}).Error()
	if n := strings.Count(msg, "\n") + 1; n != len(problems) {
		t.Errorf("Error() has %d lines for %d problems:\n%s", n, len(problems), msg)
	}
}

func TestEveryUnknownKeyReported(t *testing.T) {
	src := `listen: 127.0.0.1:3307
users: [{name: app}]
shards:
  - name: s0
    dsn: "root@tcp(h:1)/"
    weight: 2
schemas:
  - name: shop
    default_shard: s0
    tables:
      - name: orders
        shard_key: id
        algoritm: hash
coordinator:
  etcd:
    endpoint: ["h:2379"]
logging: {}
`
	problems := problemsOf(t, src)
	want := []Problem{
		{Path: "shards[0].weight", Line: 6},
		{Path: "schemas[0].tables[0].algoritm", Line: 13},
		{Path: "coordinator.etcd.endpoint", Line: 16},
		{Path: "logging", Line: 17},
	}
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(problems), len(want), problems)
	}
	for i, w := range want {
		p := problems[i]
		if p.Path != w.Path || p.Line != w.Line || !strings.Contains(p.Msg, "unknown key") {
			t.Errorf("problem %d = %+v, want unknown key at %s line %d", i, p, w.Path, w.Line)
		}
	}
}

func TestValidationProblemLines(t *testing.T) {
	src := `users: [{name: app}]
shards: [{name: s0, dsn: "root@tcp(h:1)/"}]
schemas:
  - name: shop
    tables:
      - name: orders
        shard_key: id
        algorithm: crc
`
	problems := problemsOf(t, src)
	want := map[string]int{
		"schemas[0].default_shard":       4, // missing: located at its schema
		"schemas[0].tables[0].algorithm": 8,
	}
	for _, p := range problems {
		if line, ok := want[p.Path]; ok && p.Line != line {
			t.Errorf("%s reported at line %d, want %d", p.Path, p.Line, line)
		}
		delete(want, p.Path)
	}
	if len(want) > 0 {
		t.Errorf("missing problems for %v in %v", want, problems)
	}
}

func TestDocumentProblems(t *testing.T) {
	tests := []struct {
		name, src, wantMsg string
		wantLine           int
	}{
		{"syntax error", "users: []\nlisten: a: b\n", "invalid YAML: mapping values are not allowed", 2},
		{"two documents", configWith(nil) + "---\nlisten: x\n", "more than one YAML document", 0},
		{"top level not a mapping", "- a\n- b\n", "expected a mapping", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := problemsOf(t, tt.src)
			if len(problems) != 1 || problems[0].Path != "" || !strings.Contains(problems[0].Msg, tt.wantMsg) {
				t.Fatalf("got %v, want one document problem containing %q", problems, tt.wantMsg)
			}
			if tt.wantLine != 0 && problems[0].Line != tt.wantLine {
				t.Errorf("line = %d, want %d", problems[0].Line, tt.wantLine)
			}
		})
	}
}

func TestEmptyInputReportsRequiredSections(t *testing.T) {
	problems := problemsOf(t, "# nothing yet\n")
	for _, path := range []string{"users", "shards", "schemas"} {
		if !hasProblem(problems, path, "at least one") {
			t.Errorf("no problem at %q in %v", path, problems)
		}
	}
}

func TestYAMLFeatures(t *testing.T) {
	// Anchors, aliases and merge keys are plain YAML and must keep working
	// under the strict key check.
	src := `users: [{name: app, password: ""}]
shards:
  - &s0 {name: s0, dsn: "root@tcp(h:1)/"}
  - {<<: *s0, name: s1}
schemas: [{name: shop, default_shard: s0, tables: [{name: t, shard_key: id, algorithm: mod, shards: &both [s0, s1]}]}]
backend: {max_open: ~}
`
	cfg, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s1 := cfg.Shard("s1"); s1 == nil || s1.Addr != "h:1" {
		t.Errorf("merged shard s1 = %+v", s1)
	}
	if cfg.Backend.MaxOpen != 64 {
		t.Errorf("null max_open = %d, want default 64", cfg.Backend.MaxOpen)
	}
	bad := strings.Replace(src, "name: s1}", "name: s1, nam: x}", 1)
	if problems := problemsOf(t, bad); !hasProblem(problems, "shards[1].nam", "unknown key") {
		t.Errorf("unknown key next to a merge not reported: %v", problems)
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		want    dsn
		wantErr string
	}{
		{dsn: "root@tcp(127.0.0.1:3310)/", want: dsn{net: "tcp", addr: "127.0.0.1:3310", user: "root"}},
		{dsn: "app:secret@tcp([::1]:3306)/", want: dsn{net: "tcp", addr: "[::1]:3306", user: "app", password: "secret"}},
		{dsn: "app:p@ss:w/rd@tcp(db:3306)/", want: dsn{net: "tcp", addr: "db:3306", user: "app", password: "p@ss:w/rd"}},
		{dsn: "app:@tcp(db:3306)/", want: dsn{net: "tcp", addr: "db:3306", user: "app"}},
		{dsn: "root@unix(/var/run/mysqld/mysqld.sock)/", want: dsn{net: "unix", addr: "/var/run/mysqld/mysqld.sock", user: "root"}},
		{dsn: "root@tcp(db:3306)/?timeout=2s&tls=skip-verify&&loc=Europe%2FParis", want: dsn{net: "tcp", addr: "db:3306", user: "root",
			params: map[string]string{"timeout": "2s", "tls": "skip-verify", "loc": "Europe/Paris"}}},

		{dsn: "", wantErr: `missing "/"`},
		{dsn: "root@tcp(db:3306)", wantErr: `missing "/"`},
		{dsn: "root@tcp(db:3306)/shop", wantErr: `database name "shop" not allowed: the proxy picks the database per schema`},
		{dsn: "root@tcp(db:3306)/shop?timeout=1s", wantErr: "database name"},
		{dsn: "tcp(db:3306)/", wantErr: "missing user"},
		{dsn: ":pw@tcp(db:3306)/", wantErr: "missing user"},
		{dsn: "root@/", wantErr: "missing protocol and address"},
		{dsn: "root@udp(db:3306)/", wantErr: `unsupported protocol "udp"`},
		{dsn: "root@tcp/", wantErr: "missing address"},
		{dsn: "root@tcp()/", wantErr: "missing address"},
		{dsn: "root@unix()/", wantErr: "missing address"},
		{dsn: "root@tcp(db:3306/", wantErr: "missing address"},
		{dsn: "root@tcp(db)/", wantErr: "not host:port"},
		{dsn: "root@tcp(:3306)/", wantErr: "has no host"},
		{dsn: "root@tcp(db:99999)/", wantErr: "not a number"},
		{dsn: "root@tcp(db:3306)/?loc=Europe/Paris", wantErr: "escaped as %2F"},
		{dsn: "root@tcp(db:3306)/?debug", wantErr: `parameter "debug" is not key=value`},
		{dsn: "root@tcp(db:3306)/?x=%zz", wantErr: "invalid %-escape"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := parseDSN(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseDSN(%q) error = %v, want one containing %q", tt.dsn, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDSN(%q): %v", tt.dsn, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseDSN(%q) = %+v, want %+v", tt.dsn, got, tt.want)
			}
		})
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) error = %v, want it to mention %s", err, missing)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(configWith(map[string]string{"listen": "nowhere"})), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.File != bad {
		t.Fatalf("Load(bad) error = %#v, want *Error with File %s", err, bad)
	}
	if want := bad + `:1: listen: "nowhere" is not host:port`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load(bad) error = %q, want prefix %q", err, want)
	}
}

func TestLookupsMissing(t *testing.T) {
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Schema("nope") != nil || cfg.Shard("S0") != nil || cfg.User("APP") != nil || cfg.Schema("shop").Table("customers") != nil {
		t.Error("lookup of an absent name returned non-nil")
	}
}

func TestDurationRoundTrip(t *testing.T) {
	type wrapper struct {
		D Duration `yaml:"d"`
	}
	out, err := yaml.Marshal(wrapper{Duration{1500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "d: 1.5s\n" {
		t.Errorf("marshalled %q", out)
	}
	var back wrapper
	if err := yaml.Unmarshal(out, &back); err != nil || back.D.Duration != 1500*time.Millisecond {
		t.Errorf("unmarshalled %v, %v", back.D, err)
	}
}

func TestProblemFormat(t *testing.T) {
	tests := []struct {
		p    Problem
		file string
		want string
	}{
		{Problem{Path: "log.level", Msg: "bad", Line: 3}, "", "line 3: log.level: bad"},
		{Problem{Path: "log.level", Msg: "bad", Line: 3}, "x.yaml", "x.yaml:3: log.level: bad"},
		{Problem{Path: "users", Msg: "bad"}, "x.yaml", "x.yaml: users: bad"},
		{Problem{Msg: "bad"}, "", "bad"},
	}
	for _, tt := range tests {
		if got := (&Error{File: tt.file, Problems: []Problem{tt.p}}).Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if tt.file == "" && tt.p.String() != tt.want {
			t.Errorf("String() = %q, want %q", tt.p.String(), tt.want)
		}
	}
}

// TestLoadDockerConfigs loads the configurations docker/compose.yaml mounts
// into its two proxies: the image's users get them as they are.
func TestLoadDockerConfigs(t *testing.T) {
	for _, f := range []string{"../docker/xaproxy-1.yaml", "../docker/xaproxy-2.yaml"} {
		cfg, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(cfg.Shards) != 3 || len(cfg.Coordinator.Etcd.Endpoints) == 0 || cfg.Coordinator.InstanceID == "" {
			t.Errorf("%s: %d shards, etcd %v, instance %q; want the 3 shards of the compose file, etcd and an instance id", f, len(cfg.Shards), cfg.Coordinator.Etcd.Endpoints, cfg.Coordinator.InstanceID)
		}
	}
}
