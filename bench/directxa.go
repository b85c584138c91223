//go:build bench

package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// The direct XA client is the yardstick of the two-shard transfers: what a
// hand-written coordinator with no proxy in between can do. Per transfer:
//
//  1. on both shards in parallel, one round trip each:
//     XA START xid; UPDATE accounts ...
//  2. on both shards in parallel, one round trip each:
//     XA END xid; XA PREPARE xid
//  3. the COMMIT decision: one create-if-absent Txn on etcd
//  4. XA COMMIT xid on both shards in parallel
//  5. the decision key deleted later, in batches, off the critical path
const (
	// directFormatID ("benc") differs from the proxy's "xapx", so that the
	// sharded proxy's recovery leaves this client's branches alone.
	directFormatID = 0x62656e63
	directPrefix   = "/bench-direct/dec/"
	gcBatch        = 100 // deletes per etcd Txn (etcd allows 128 ops)
)

var directRun atomic.Int64 // distinguishes the gtrids of successive runs

// directXA is the shared part of the direct clients: shard pools, etcd and
// the decision garbage collector.
type directXA struct {
	dbs  [2]*sql.DB
	bq   [2]string // bquals: the shard names
	cli  *clientv3.Client
	gc   *decisionGC
	run  string
	next atomic.Int64 // client numbers
}

func newDirectXA(t *testing.T, top *topology) *directXA {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{top.etcd.Endpoint()},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	x := &directXA{
		bq:  [2]string{"s0", "s1"},
		cli: cli,
		run: "bd" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36) + "-" + strconv.FormatInt(directRun.Add(1), 10),
	}
	for i, m := range []*harness.MariaDB{top.s0, top.s1} {
		db, err := sql.Open("mysql", m.DSN(dbBank)+"?multiStatements=true&interpolateParams=true&timeout=5s&readTimeout=60s&writeTimeout=60s")
		if err != nil {
			t.Fatalf("open shard: %v", err)
		}
		db.SetMaxIdleConns(256)
		x.dbs[i] = db
	}
	x.gc = newDecisionGC(cli)
	return x
}

// Close waits for the pending decision deletes and checks that none is
// left: a leftover would mean a transfer whose decision was never cleaned.
func (x *directXA) Close(ctx context.Context) error {
	defer x.cli.Close()
	defer x.dbs[0].Close()
	defer x.dbs[1].Close()
	x.gc.Close()
	if n := x.gc.failed.Load(); n > 0 {
		return fmt.Errorf("%d decision deletes failed", n)
	}
	resp, err := x.cli.Get(ctx, directPrefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return err
	}
	if resp.Count != 0 {
		return fmt.Errorf("%d decisions left under %s", resp.Count, directPrefix)
	}
	return nil
}

// clients opens n workers, each with a dedicated connection per shard.
func (x *directXA) clients(ctx context.Context, t *testing.T, bk *bank, n int) []txClient {
	t.Helper()
	out := make([]txClient, n)
	for i := range out {
		w := &xaWorker{x: x, id: x.next.Add(1), pick: bk.picker(i, n)}
		for s := range w.conns {
			c, err := x.dbs[s].Conn(ctx)
			if err != nil {
				t.Fatalf("connecting to shard %s: %v", x.bq[s], err)
			}
			w.conns[s] = c
		}
		out[i] = w
	}
	return out
}

type xaWorker struct {
	x     *directXA
	id    int64
	seq   int64
	conns [2]*sql.Conn
	pick  *picker
}

func (w *xaWorker) Close() {
	for _, c := range w.conns {
		c.Close()
	}
}

func (w *xaWorker) xid(gtrid string, s int) string {
	return fmt.Sprintf("'%s','%s',%d", gtrid, w.x.bq[s], directFormatID)
}

// both runs f for the two shards in parallel and returns the first error.
func both(f func(s int) error) error {
	var err1 error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); err1 = f(1) }()
	err0 := f(0)
	wg.Wait()
	return errors.Join(err0, err1)
}

func (w *xaWorker) Do(ctx context.Context) error {
	ids, delta := w.pick.next()
	w.seq++
	gtrid := fmt.Sprintf("%s-%d-%d", w.x.run, w.id, w.seq)
	xids := [2]string{w.xid(gtrid, 0), w.xid(gtrid, 1)}

	err := both(func(s int) error {
		_, err := w.conns[s].ExecContext(ctx, "XA START "+xids[s]+"; UPDATE accounts SET bal = bal + ? WHERE id = ?", delta[s], ids[s])
		return err
	})
	if err == nil {
		err = both(func(s int) error {
			_, err := w.conns[s].ExecContext(ctx, "XA END "+xids[s]+"; XA PREPARE "+xids[s])
			return err
		})
	}
	key := directPrefix + gtrid
	if err == nil {
		err = w.decide(ctx, key)
	}
	if err != nil {
		w.rollback(ctx, xids)
		return err
	}
	// Decided: from here on the transfer must commit on both shards.
	if err := both(func(s int) error { return w.commit(ctx, s, xids[s]) }); err != nil {
		return fmt.Errorf("CORRECTNESS: %s decided COMMIT but a branch did not commit: %w", gtrid, err)
	}
	w.x.gc.add(key)
	return nil
}

// decide writes the COMMIT decision if no decision exists yet, as a real
// coordinator must (a recovery may have decided ROLLBACK meanwhile).
func (w *xaWorker) decide(ctx context.Context, key string) error {
	resp, err := w.x.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, "commit")).
		Commit()
	if err != nil {
		return fmt.Errorf("etcd decision: %w", err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("etcd decision %s already exists", key)
	}
	return nil
}

// commit runs XA COMMIT, retrying on a fresh connection when the first
// attempt failed (e.g. the connection broke): the branch is prepared, so
// any connection can commit it. XAER_NOTA on a retry means an earlier
// attempt did commit.
func (w *xaWorker) commit(ctx context.Context, s int, xid string) error {
	_, err := w.conns[s].ExecContext(ctx, "XA COMMIT "+xid)
	for attempt := 1; err != nil && attempt <= 5; attempt++ {
		w.reconnect(ctx, s)
		time.Sleep(100 * time.Millisecond)
		_, err = w.conns[s].ExecContext(ctx, "XA COMMIT "+xid)
		if mysqlCode(err) == 1397 {
			return nil
		}
	}
	return err
}

// rollback ends and rolls back both branches in whatever state they are
// (active, idle, prepared or gone). A connection that cannot be brought
// back to a clean state is replaced; closing it rolls back an unprepared
// branch on the server.
func (w *xaWorker) rollback(ctx context.Context, xids [2]string) {
	_ = both(func(s int) error {
		_, _ = w.conns[s].ExecContext(ctx, "XA END "+xids[s])
		_, err := w.conns[s].ExecContext(ctx, "XA ROLLBACK "+xids[s])
		if err != nil && mysqlCode(err) != 1397 { // 1397 XAER_NOTA: no such branch (never started)
			w.reconnect(ctx, s)
			if _, err := w.conns[s].ExecContext(ctx, "XA ROLLBACK "+xids[s]); err != nil && mysqlCode(err) != 1397 {
				return err
			}
		}
		return nil
	})
}

func (w *xaWorker) reconnect(ctx context.Context, s int) {
	w.conns[s].Close()
	if c, err := w.x.dbs[s].Conn(ctx); err == nil {
		w.conns[s] = c
	}
}

func mysqlCode(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// decisionGC deletes decision keys in batches, in the background.
type decisionGC struct {
	cli    *clientv3.Client
	keys   chan string
	done   chan struct{}
	failed atomic.Int64
}

func newDecisionGC(cli *clientv3.Client) *decisionGC {
	g := &decisionGC{cli: cli, keys: make(chan string, 16384), done: make(chan struct{})}
	go g.loop()
	return g
}

func (g *decisionGC) add(key string) { g.keys <- key }

// Close deletes what is queued and stops.
func (g *decisionGC) Close() {
	close(g.keys)
	<-g.done
}

func (g *decisionGC) loop() {
	defer close(g.done)
	batch := make([]string, 0, gcBatch)
	for key := range g.keys {
		batch = append(batch[:0], key)
	drain: // whatever queued up meanwhile goes into the same Txn
		for len(batch) < gcBatch {
			select {
			case k, ok := <-g.keys:
				if !ok {
					break drain
				}
				batch = append(batch, k)
			default:
				break drain
			}
		}
		g.flush(batch)
	}
}

func (g *decisionGC) flush(keys []string) {
	ops := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		ops[i] = clientv3.OpDelete(k)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := g.cli.Txn(ctx).Then(ops...).Commit(); err != nil {
		g.failed.Add(int64(len(keys)))
	}
}
