package integration

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// deploymentConfig is the bank proxy configuration of instance in the
// deployment whose decisions live under prefix.
func (b *bank) deploymentConfig(instance, prefix string, vars []string) harness.ProxyConfig {
	cfg := b.proxyConfig(instance, vars)
	cfg.EtcdPrefix = prefix
	return cfg
}

// runRecover runs `xaproxy recover` with cfg and returns what it printed
// (report on stdout, logs on stderr).
func runRecover(t *testing.T, cfg harness.ProxyConfig) (report, logs string) {
	t.Helper()
	text, err := harness.RenderProxyConfig(cfg, "127.0.0.1:1", "127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "recover.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.BuildProxy(t), "recover", "--config", path)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("xaproxy recover --config %s: %v\nstdout:\n%s\nstderr:\n%s", path, err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// TestXATwoDeploymentsShareShards is the reproduction of issue 11:
// deployments A (prefix /a/) and B (prefix /b/) on the same shards. A dies
// right after storing its COMMIT decision for a transfer between two
// shards; B recovers first, with its recover command and then with a
// running proxy. B must list A's branches as foreign and leave them alone;
// A's own recovery then applies the whole transfer. A branch of the
// untagged legacy format is finished by B only once B's log holds its
// decision.
func TestXATwoDeploymentsShareShards(t *testing.T) {
	b := startBank(t)
	ctx := testCtx(t, 3*time.Minute)
	pa := env.StartProxy(t, b.deploymentConfig("pa", "/a/", []string{"XAPROXY_TEST_FAULT=after-decision"}))
	src, dst := b.takeCross(t)
	err := transfer(ctx, bankDB(t, pa), src, dst, 100, "deployA")
	if !isConnError(err) || stageOf(err) != "commit" {
		t.Fatalf("transfer through A: got %v, want a connection error at COMMIT (A dies after its decision)", err)
	}
	pa.WaitExit(t, 10*time.Second)
	prep := b.prepared(t)
	gtrids := gtridsOf(prep)
	if len(gtrids) != 1 || len(prep[b.shardOf[src]])+len(prep[b.shardOf[dst]]) != 2 {
		t.Fatalf("want A's transfer prepared on %s and %s, got %v", b.shardOf[src], b.shardOf[dst], prep)
	}
	gtrid := gtrids[0]
	if v, ok := b.etcd.Get(t, "/a/dec/"+gtrid); !ok || !strings.Contains(v, `"commit"`) {
		t.Fatalf("want A's COMMIT decision under /a/dec/%s, got %q (present %v)", gtrid, v, ok)
	}

	// B's recover command runs first.
	cfgB := b.deploymentConfig("pb", "/b/", nil)
	report, logs := runRecover(t, cfgB)
	t.Logf("xaproxy recover with B's configuration:\n%s", report)
	if n := strings.Count(report, "gtrid "+gtrid) - strings.Count(report, "action:"); n != 2 ||
		strings.Count(report, "scope foreign") != 2 {
		t.Errorf("B's recover report must list A's 2 branches as foreign:\n%s", report)
	}
	for _, bad := range []string{"abort_decided", "rollback", "commit "} {
		if strings.Contains(report, bad) {
			t.Errorf("B's recover report shows %q for A's branches:\n%s", bad, report)
		}
	}
	if !strings.Contains(logs, "left alone") || !strings.Contains(logs, "scope=foreign") {
		t.Errorf("B's recover log does not say that A's branches were left alone as foreign:\n%s", logs)
	}
	// A running B proxy, several recovery passes past abandon_after (3 s).
	pb := env.StartProxy(t, cfgB)
	time.Sleep(5 * time.Second)
	if got := b.prepared(t); len(gtridsOf(got)) != 1 {
		t.Fatalf("A's branches after 5 s of B's recovery: %v, want both still prepared", got)
	}
	if decs := b.etcd.GetPrefix(t, "/b/dec/"); len(decs) != 0 {
		t.Errorf("B stored decisions for A's transaction: %v", decs)
	}
	b.wantBalances(t, "while A is down", map[int64]int64{src: bankInitialBal, dst: bankInitialBal})
	if n := metric(t, pb, `xaproxy_xa_other_branches{scope="foreign"}`); n != 2 {
		t.Errorf("B's xaproxy_xa_other_branches{scope=\"foreign\"} = %v, want 2", n)
	}
	status := xaStatusRows(t, bankDB(t, pb))
	foreign := 0
	for _, r := range status {
		if strings.Contains(strings.Join(r, " "), gtrid) && r[6] == "foreign" {
			foreign++
		}
	}
	if foreign != 2 {
		t.Errorf("B's SHOW XA STATUS: %v, want A's 2 branches marked foreign", status)
	}
	if !strings.Contains(pb.Output(), "scope=foreign") {
		t.Errorf("B's log does not report A's branches as foreign")
	}

	// A third deployment copied B's name (coordinator.deployment "/b/") but
	// has its own prefix: it would take B's branches for its own. It must
	// not start while B runs.
	cfgC := b.deploymentConfig("pc", "/c/", nil)
	cfgC.Coordinator += "deployment: /b/\n"
	cfgC.NoWait = true
	pc := env.StartProxy(t, cfgC)
	if st := pc.WaitExit(t, 30*time.Second); st.ExitCode() != 1 ||
		!strings.Contains(pc.Output(), "deployment identity conflict") || !strings.Contains(pc.Output(), `with etcd prefix "/b/"`) {
		t.Errorf("a proxy reusing B's deployment name with prefix /c/: exit %v, output:\n%s", st, pc.Output())
	}

	// A recovers its own transaction: the whole transfer is applied.
	report, _ = runRecover(t, b.deploymentConfig("pa", "/a/", nil))
	t.Logf("xaproxy recover with A's configuration:\n%s", report)
	if strings.Count(report, "action:   commit") != 2 {
		t.Errorf("A's recover report must commit both branches:\n%s", report)
	}
	b.wantBalances(t, "after A's recovery", map[int64]int64{src: bankInitialBal - 100, dst: bankInitialBal + 100})
	if !b.hasTransfer(t, "deployA", src) {
		t.Error("transfers row of A's decided transfer missing")
	}
	runRecover(t, b.deploymentConfig("pa", "/a/", nil)) // deletes the decision of the finished transaction
	if decs := b.etcd.GetPrefix(t, "/a/dec/"); len(decs) != 0 {
		t.Errorf("A's decision not deleted after its branches were committed: %v", decs)
	}
	b.total = b.sumBalances(t)

	testLegacyBranch(t, b, pb)
	if !t.Failed() {
		for _, p := range []string{"/a/dec/", "/b/dec/", bankDecPrefix} {
			if decs := b.etcd.GetPrefix(t, p); len(decs) != 0 {
				t.Errorf("decisions left under %s: %v", p, decs)
			}
		}
		b.assertClean(t)
	}
}

// testLegacyBranch prepares, by hand, a branch in the format of versions
// before deployment tags (gtrid without a tag, bqual the bare shard name):
// deployment B's running proxy pb must leave it alone while B's log has no
// decision for it, and commit it once the decision is stored under /b/.
func testLegacyBranch(t *testing.T, b *bank, pb *harness.Proxy) {
	const gtrid = "old-1-1" // instance "old", epoch 1, counter 1
	shard := b.names[0]
	acct := b.takeOn(t, shard)
	xid := fmt.Sprintf("X'%s',X'%s',%d", hex.EncodeToString([]byte(gtrid)), hex.EncodeToString([]byte(shard)), xaproxyFormatID)
	db := b.shards[shard].DB(t, "bank")
	conn, err := db.Conn(testCtx(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"XA START " + xid,
		fmt.Sprintf("INSERT INTO transfers (tid, src, dst, amount) VALUES ('legacy', %d, 0, 0)", acct),
		"XA END " + xid,
		"XA PREPARE " + xid,
	} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Closing the client connection detaches the prepared branch (back in
	// the pool, then closed with it).
	_ = conn.Close()
	_ = db.Close()
	time.Sleep(3 * time.Second) // three of pb's recovery passes
	if !strings.Contains(strings.Join(b.prepared(t)[shard], " "), "/"+gtrid+"/") {
		t.Fatalf("B touched a legacy branch it has no decision for: XA RECOVER on %s lists %v", shard, b.prepared(t)[shard])
	}
	if n := metric(t, pb, `xaproxy_xa_other_branches{scope="legacy"}`); n != 1 {
		t.Errorf("B's xaproxy_xa_other_branches{scope=\"legacy\"} = %v, want 1", n)
	}
	b.etcd.Put(t, "/b/dec/"+gtrid, `{"v":1,"gtrid":"old-1-1","outcome":"commit","participants":["`+shard+`"],"instance":"old","at":"2026-01-01T00:00:00Z"}`)
	if !waitFor(15*time.Second, func() bool { return b.hasTransfer(t, "legacy", acct) && len(b.prepared(t)) == 0 }) {
		t.Fatalf("B did not commit the legacy branch once its decision was stored: prepared %v", b.prepared(t))
	}
	if !waitFor(15*time.Second, func() bool { return len(b.etcd.GetPrefix(t, "/b/dec/")) == 0 }) {
		t.Errorf("B did not delete the legacy decision after committing the branch")
	}
}

// xaStatusRows returns SHOW XA STATUS's rows (gtrid, shard, decision,
// owner, age_seconds, scanned_at, deployment, bqual).
func xaStatusRows(t *testing.T, db *sql.DB) [][]string {
	t.Helper()
	rows, err := db.QueryContext(testCtx(t, 10*time.Second), "SHOW XA STATUS")
	if err != nil {
		t.Fatalf("SHOW XA STATUS: %v", err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		r := make([]string, 8)
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6], &r[7]); err != nil {
			t.Fatalf("SHOW XA STATUS: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("SHOW XA STATUS: %v", err)
	}
	return out
}
