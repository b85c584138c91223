//go:build bench

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// Logical databases of the benchmark.
const (
	dbSB      = "sbtest"  // sysbench tables on m0 (workloads 1, 2) and the single-shard table (5)
	dbSharded = "sbshard" // sysbench tables sharded over s0+s1 (3); unsharded copy on m0
	dbBank    = "bank"    // accounts sharded over s0+s1 (4)
	dbShop    = "shop"    // order entry sharded over s0+s1, unsharded copy on m0 (6)
)

const (
	appUser = "app"
	appPass = "app-secret"
)

// mariadbArgs are appended to the harness' mariadbd command line: a buffer
// pool that holds every table, so that no run reads from disk, and a short
// lock wait timeout because a deadlock across two shards is invisible to
// InnoDB and only ends with 1205.
var mariadbArgs = []string{"--innodb-buffer-pool-size=256M", "--innodb-lock-wait-timeout=5"}

// proxyBackendYAML sizes the shard pools above the largest client count so
// that no run waits for a pooled connection or re-dials one: HAProxy and
// direct clients keep one server connection per client too.
const proxyBackendYAML = `
backend:
  max_open: 256
  max_idle: 256
`

// topology is every process of the benchmark (see the package doc).
type topology struct {
	m0, s0, s1 *harness.MariaDB
	etcd       *harness.Etcd
	single     *harness.Proxy // over m0
	single1    *harness.Proxy // over m0, GOMAXPROCS=1
	sharded    *harness.Proxy // over s0+s1, with etcd
	hap        *haproxy       // in front of m0
	hap1       *haproxy       // in front of m0, nbthread 1
}

func startTopology(t *testing.T, env *harness.Env, s settings) *topology {
	t.Helper()
	top := &topology{
		m0: env.StartMariaDB(t, "m0", mariadbArgs...),
		s0: env.StartMariaDB(t, "s0", mariadbArgs...),
		s1: env.StartMariaDB(t, "s1", mariadbArgs...),
	}
	top.m0.CreateDatabase(t, dbSB, dbSharded, dbShop)
	for _, m := range []*harness.MariaDB{top.s0, top.s1} {
		m.CreateDatabase(t, dbSharded, dbBank, dbShop)
	}
	top.etcd = harness.StartEtcd(t)
	var args []string
	if s.Profile {
		args = []string{"--pprof"}
	}
	single := harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "m0", DSN: top.m0.DSN("")}},
		Schemas: `
		  - name: ` + dbSB + `
		    default_shard: m0`,
		Extra: proxyBackendYAML,
		Users: harness.DefaultUsers(),
		Args:  args,
	}
	top.single = env.StartProxy(t, single)
	single.Env = []string{"GOMAXPROCS=1"}
	top.single1 = env.StartProxy(t, single)
	top.sharded = env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{
			{Name: "s0", DSN: top.s0.DSN("")},
			{Name: "s1", DSN: top.s1.DSN("")},
		},
		Schemas:       shardedSchemasYAML(),
		EtcdEndpoints: []string{top.etcd.Endpoint()},
		Coordinator:   "instance_id: bench\n",
		Extra:         proxyBackendYAML,
		Users:         harness.DefaultUsers(),
		Args:          args,
	})
	top.hap = startHAProxy(t, top.m0.Addr(), 0)
	top.hap1 = startHAProxy(t, top.m0.Addr(), 1)
	return top
}

// shardedSchemasYAML shards the sysbench tables and the accounts by id.
func shardedSchemasYAML() string {
	var b strings.Builder
	b.WriteString("- name: " + dbSharded + "\n  default_shard: s0\n  tables:\n")
	for i := 1; i <= sbTables; i++ {
		fmt.Fprintf(&b, "    - {name: sbtest%d, shard_key: id, algorithm: hash}\n", i)
	}
	b.WriteString("- name: " + dbBank + "\n  default_shard: s0\n  tables:\n")
	b.WriteString("    - {name: accounts, shard_key: id, algorithm: hash}\n")
	b.WriteString(shopRulesYAML)
	return b.String()
}

// Endpoints of the three sides of the unsharded workloads: all reach m0's
// sbtest tables, the proxy as app, the others as root.
func (top *topology) directM0() endpoint {
	return endpoint{Side: "direct", Addr: top.m0.Addr(), User: "root"}
}
func (top *topology) viaHAProxy() endpoint {
	return endpoint{Side: "haproxy", Addr: top.hap.addr, User: "root"}
}
func (top *topology) viaSingle() endpoint {
	return endpoint{Side: "proxy", Addr: top.single.Addr(), User: appUser, Password: appPass}
}

// The sides of the one-core rows: HAProxy with one thread, the proxy with
// GOMAXPROCS=1.
func (top *topology) viaHAProxy1() endpoint {
	return endpoint{Side: "haproxy", Addr: top.hap1.addr, User: "root"}
}
func (top *topology) viaSingle1() endpoint {
	return endpoint{Side: "proxy", Addr: top.single1.Addr(), User: appUser, Password: appPass}
}
func (top *topology) viaSharded() endpoint {
	return endpoint{Side: "proxy", Addr: top.sharded.Addr(), User: appUser, Password: appPass}
}

// pidOf is the process whose CPU a side's runs are charged with: the
// proxy or HAProxy; 0 (nothing) for direct runs.
func (top *topology) pidOf(e endpoint) int {
	switch e.Addr {
	case top.single.Addr():
		return top.single.PID()
	case top.sharded.Addr():
		return top.sharded.PID()
	case top.single1.Addr():
		return top.single1.PID()
	case top.hap.addr:
		return top.hap.PID()
	case top.hap1.addr:
		return top.hap1.PID()
	}
	return 0
}

// checkNoPreparedBranches fails the benchmark if any MariaDB holds a
// prepared XA branch: every transaction of every workload has ended.
func (top *topology) checkNoPreparedBranches(ctx context.Context, t *testing.T) {
	t.Helper()
	for _, m := range []*harness.MariaDB{top.m0, top.s0, top.s1} {
		left, err := waitXARecoverEmpty(ctx, m.DB(t, ""))
		if err != nil {
			t.Fatalf("XA RECOVER on %s: %v", m.Name(), err)
		}
		if len(left) > 0 {
			t.Fatalf("CORRECTNESS: %s still holds %d prepared XA branches after the runs: %s",
				m.Name(), len(left), strings.Join(left, ", "))
		}
	}
	t.Logf("XA RECOVER is empty on m0, s0 and s1")
}

// waitXARecoverEmpty polls XA RECOVER for up to 15 s: a proxy may still be
// finishing the second phase of the last commits in the background.
func waitXARecoverEmpty(ctx context.Context, db *sql.DB) ([]string, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		left, err := harness.XARecover(ctx, db)
		if err != nil || len(left) == 0 || time.Now().After(deadline) {
			return left, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
