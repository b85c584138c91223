package proxy

import (
	"context"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/integration/harness"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// TestRecoveryBootOnMariaDB: recovery's shard boot is exact between reads
// of one server run (one statement) and moves when the shard restarts.
func TestRecoveryBootOnMariaDB(t *testing.T) {
	m := harness.StartMariaDB(t, "xaboot")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	boot := func() int64 {
		t.Helper()
		pool := backend.NewPool(backend.Target{Shard: "s0", Addr: m.Addr(), User: "root"}, backend.PoolConfig{MaxOpen: 1, MaxIdle: 1})
		defer pool.Close()
		c, release, err := recoveryShards{names: []string{"s0"}, pools: map[string]*backend.Pool{"s0": pool}}.Conn(ctx, "s0")
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		b, err := c.(recoveryConn).Boot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := boot()
	if now := time.Now().Unix(); first > now+1 || first < now-600 {
		t.Fatalf("boot %d, now %d: not the start of a server started a moment ago", first, now)
	}
	time.Sleep(1100 * time.Millisecond)
	if again := boot(); again != first {
		t.Errorf("boot read again %d, first %d: one server run must read alike", again, first)
	}
	time.Sleep(2 * time.Second) // the restart moves it by more than the slack
	m.Restart(t)
	if after := boot(); after-first <= 2 {
		t.Errorf("boot after a restart %d, before %d: the restart must show", after, first)
	}
}

// TestRecoveryBootWithoutGlobalStatus: where information_schema has no
// GLOBAL_STATUS (MySQL 8), the boot is the time less the Uptime status,
// read in two statements.
func TestRecoveryBootWithoutGlobalStatus(t *testing.T) {
	e := newFakeEnv(t)
	f := e.shards["s0"]
	f.On("SELECT CAST(UNIX_TIMESTAMP()", fakeshard.Error(mysql.ER_UNKNOWN_TABLE, "Unknown table 'GLOBAL_STATUS' in information_schema"))
	f.On("SHOW GLOBAL STATUS LIKE 'Uptime'", fakeshard.Rows([]string{"Variable_name", "Value"}, []any{"Uptime", "600"}))
	f.On("SELECT UNIX_TIMESTAMP()", fakeshard.Rows([]string{"UNIX_TIMESTAMP()"}, []any{int64(1000600)}))
	c, release, err := recoveryShards{names: []string{"s0"}, pools: e.srv.pools}.Conn(e.ctx, "s0")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if b, err := c.(recoveryConn).Boot(e.ctx); err != nil || b != 1000000 {
		t.Errorf("Boot = %d, %v; want 1000000", b, err)
	}
}
