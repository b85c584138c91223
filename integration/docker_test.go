//go:build docker

package integration

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDockerStack is the test of the Docker deployment (docker/compose.yaml:
// MariaDB 10.11 shards s0, s1, s2, etcd, and two proxies; with
// docker/compose.mysql8.yaml s0 and s1 are MySQL 8.0). It does not start the
// stack itself: `make docker-test` brings it up (with Docker, or with podman
// and images built locally), runs this test with XAPROXY_DOCKER=1 and
// XAPROXY_DOCKER_COMPOSE (the compose command line of the stack, to kill and
// start its containers) and tears the stack down. It is built only with
// -tags docker, so it is not part of what `make test` runs (nor reported as
// skipped there).
//
// First a smoke test of both proxies (DDL, a broadcast write, a cross-shard
// commit and rollback, reads through both), then the bank workload of the
// chaos test through both proxies while a proxy container and a shard
// container are killed and started again (docker_bank_test.go).
//
// Addresses (defaults are the ports docker/compose.yaml publishes):
// XAPROXY_DOCKER_PROXY1=127.0.0.1:3307, XAPROXY_DOCKER_ADMIN1=127.0.0.1:9107,
// XAPROXY_DOCKER_PROXY2=127.0.0.1:3308, XAPROXY_DOCKER_ADMIN2=127.0.0.1:9108,
// XAPROXY_DOCKER_SHARDS=127.0.0.1:3316,127.0.0.1:3317,127.0.0.1:3318 (s0, s1, s2).
func TestDockerStack(t *testing.T) {
	if os.Getenv("XAPROXY_DOCKER") != "1" {
		t.Fatal("XAPROXY_DOCKER is not 1: run this test with `make docker-test`, which brings up docker/compose.yaml first")
	}
	compose := strings.Fields(os.Getenv("XAPROXY_DOCKER_COMPOSE"))
	if len(compose) == 0 {
		t.Fatal("XAPROXY_DOCKER_COMPOSE is empty: it is the compose command line of the stack (`make docker-test` sets it), with which the test kills and starts containers")
	}
	proxy1 := dockerEnv("XAPROXY_DOCKER_PROXY1", "127.0.0.1:3307")
	admin1 := dockerEnv("XAPROXY_DOCKER_ADMIN1", "127.0.0.1:9107")
	proxy2 := dockerEnv("XAPROXY_DOCKER_PROXY2", "127.0.0.1:3308")
	admin2 := dockerEnv("XAPROXY_DOCKER_ADMIN2", "127.0.0.1:9108")
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	// The proxies have no Docker healthcheck (distroless has no shell):
	// wait for their admin port to report them ready.
	for _, admin := range []string{admin1, admin2} {
		if err := dockerWaitHealthy(ctx, admin, 3*time.Minute); err != nil {
			t.Fatalf("proxy admin %s: %v", admin, err)
		}
	}
	db1 := dockerOpen(t, ctx, proxy1)
	db2 := dockerOpen(t, ctx, proxy2)
	shards := dockerShards(t, ctx)
	dockerReportEngines(t, ctx, shards)

	// DDL through proxy1: orders is sharded over s0, s1, s2, countries is
	// a broadcast table with a copy on each.
	for _, q := range []string{
		"DROP TABLE IF EXISTS orders",
		"DROP TABLE IF EXISTS countries",
		"CREATE TABLE orders (user_id BIGINT NOT NULL, order_id BIGINT NOT NULL, amount DECIMAL(10,2) NOT NULL, PRIMARY KEY (user_id, order_id))",
		"CREATE TABLE countries (code CHAR(2) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL)",
	} {
		if _, err := db1.ExecContext(ctx, q); err != nil {
			t.Fatalf("proxy1: %s: %v", q, err)
		}
	}

	// A broadcast write through proxy1 is one transaction over the three
	// shards, MySQL and MariaDB together.
	if _, err := db1.ExecContext(ctx, "INSERT INTO countries (code, name) VALUES ('FR', 'France'), ('DE', 'Germany')"); err != nil {
		t.Fatalf("proxy1: broadcast insert: %v", err)
	}

	// A cross-shard transaction through proxy2, on the table proxy1 created:
	// twelve users hash to more than one of the three shards, which the
	// two-phase commit counter confirms.
	before := proxyMetric(t, admin2, `xaproxy_xa_commits_total{kind="two_phase"}`)
	const users = 12
	var want float64
	tx, err := db2.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("proxy2: BEGIN: %v", err)
	}
	for u := 1; u <= users; u++ {
		amount := float64(u) * 1.25
		want += amount
		if _, err := tx.ExecContext(ctx, "INSERT INTO orders (user_id, order_id, amount) VALUES (?, ?, ?)", u, 1000+u, amount); err != nil {
			_ = tx.Rollback()
			t.Fatalf("proxy2: insert for user %d: %v", u, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("proxy2: COMMIT: %v", err)
	}
	if after := proxyMetric(t, admin2, `xaproxy_xa_commits_total{kind="two_phase"}`); after != before+1 {
		t.Errorf("proxy2: two-phase commits went from %v to %v, want one more: the transaction did not span shards", before, after)
	}

	// A cross-shard transaction rolled back through proxy2 leaves nothing.
	tx, err = db2.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("proxy2: BEGIN: %v", err)
	}
	for u := 101; u <= 100+users; u++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO orders (user_id, order_id, amount) VALUES (?, ?, ?)", u, u, 1); err != nil {
			_ = tx.Rollback()
			t.Fatalf("proxy2: insert for user %d: %v", u, err)
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("proxy2: ROLLBACK: %v", err)
	}

	// Read back through proxy1 (merged over the shards) and proxy2.
	for name, db := range map[string]*sql.DB{"proxy1": db1, "proxy2": db2} {
		var n int
		var sum float64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*), SUM(amount) FROM orders").Scan(&n, &sum); err != nil {
			t.Fatalf("%s: read orders: %v", name, err)
		}
		if n != users || sum != want {
			t.Errorf("%s: orders has %d rows summing to %v, want %d rows summing to %v", name, n, sum, users, want)
		}
		var c int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM countries").Scan(&c); err != nil {
			t.Fatalf("%s: read countries: %v", name, err)
		}
		if c != 2 {
			t.Errorf("%s: countries has %d rows, want 2", name, c)
		}
	}

	for _, q := range []string{"DROP TABLE orders", "DROP TABLE countries"} {
		if _, err := db1.ExecContext(ctx, q); err != nil {
			t.Errorf("proxy1: %s: %v", q, err)
		}
	}

	dockerBank(t, ctx, dockerStack{
		compose: compose,
		proxies: []string{proxy1, proxy2},
		admins:  []string{admin1, admin2},
		shards:  shards,
	})

	// Nothing is left in doubt: SHOW XA STATUS (the latest recovery scan,
	// every coordinator.recover_every) is empty on both proxies.
	for name, db := range map[string]*sql.DB{"proxy1": db1, "proxy2": db2} {
		var last []string
		var err error
		deadline := time.Now().Add(45 * time.Second)
		for {
			last, err = dockerRows(ctx, db, "SHOW XA STATUS")
			if err == nil && len(last) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Second)
		}
		switch {
		case err != nil:
			t.Errorf("%s: SHOW XA STATUS: %v", name, err)
		case len(last) != 0:
			t.Errorf("%s: SHOW XA STATUS still lists in-doubt branches after 45s:\n%s", name, strings.Join(last, "\n"))
		}
	}
}

func dockerEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// dockerWaitHealthy polls the proxy's admin port until it says it is ready:
// /readyz where the proxy has it, /healthz otherwise.
func dockerWaitHealthy(ctx context.Context, admin string, limit time.Duration) error {
	c := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(limit)
	path := "/readyz"
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+path, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				return nil
			case resp.StatusCode == http.StatusNotFound && path == "/readyz":
				path = "/healthz"
				continue
			}
			err = fmt.Errorf("%s answered %s", path, resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("not ready after %s: %v", limit, last)
}

// dockerOpen connects to a proxy as the app user of docker/xaproxy-*.yaml,
// retrying for a minute while the proxy's MySQL port comes up.
func dockerOpen(t *testing.T, ctx context.Context, addr string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "app:app-secret@tcp("+addr+")/shop?timeout=5s&readTimeout=60s&writeTimeout=60s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	deadline := time.Now().Add(time.Minute)
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return db
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("connect to the proxy at %s: %v", addr, err)
		}
		time.Sleep(time.Second)
	}
}
