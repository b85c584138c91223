// Package harness starts the real processes the integration tests run
// against — MariaDB (mariadbd), etcd and the xaproxy binary — each on free
// loopback ports with its data in a temporary directory, and cleans them up
// at the end of the test that started them.
//
// Typical use, in a test package under integration/:
//
//	var env *harness.Env
//
//	func TestMain(m *testing.M) {
//		env = harness.NewEnv()  // holds the built proxy and a MariaDB template datadir
//		os.Exit(env.Run(m))     // m.Run(), then env.Close()
//	}
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		s0 := env.StartMariaDB(t, "s0")
//		s1 := env.StartMariaDB(t, "s1")
//		s0.CreateDatabase(t, "shop")
//		s1.CreateDatabase(t, "shop")
//		etcd := harness.StartEtcd(t)
//		p := env.StartProxy(t, harness.ProxyConfig{ // builds ./cmd/xaproxy once
//			Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
//			Schemas: `
//			  - name: shop
//			    default_shard: s0
//			    tables:
//			      - {name: orders, shard_key: user_id, algorithm: hash}`, // spaces, not tabs
//			EtcdEndpoints: []string{etcd.Endpoint()},
//		})
//		db := p.DB(t, "app", "app-secret", "shop", "")
//		// ... run statements through the proxy, then e.g.
//		s1.Kill(t); s1.Start(t)             // crash and recover a shard
//		p.Kill(t); p.Start(t)               // crash and restart the proxy
//		_ = etcd.GetPrefix(t, "/xaproxy/")  // inspect the decision log
//	}
//
// Every Start* fails the test (t.Fatalf, never t.Skip) when a binary is
// missing — run `make deps` — or when the process does not become ready,
// printing the tail of its log. When a test fails, the tails of the logs of
// all processes it started are printed at cleanup.
//
// Processes are started in their own process group with Pdeathsig=SIGKILL,
// so they die with the test binary even when it is killed (go test
// -timeout, Ctrl-C). Their temp directories then stay behind and are
// removed by the next NewEnv.
//
// Environment variables:
//
//	XAPROXY_BIN=path             use this proxy binary instead of building one
//	XAPROXY_BUILD_FLAGS="-race"  extra `go build` flags for the proxy
//	XAPROXY_MARIADBD, XAPROXY_MARIADB_INSTALL_DB, XAPROXY_ETCD
//	                             explicit paths of the server binaries
//	XAPROXY_HARNESS_SESSIONS=own start each server in its own session
//	                             (setsid), scheduled as its own group under
//	                             the kernel's autogroup; for benchmarks
//	XAPROXY_DEBUG_DIR=dir        make the processes' directories in dir and
//	                             keep them (proxy logs, data directories), with
//	                             each MariaDB's general log (general.log): for
//	                             chasing a failure, never in CI
package harness
