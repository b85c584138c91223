package integration

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The chaos workload: clients of one deployment's bank, through every
// proxy of that deployment at once.
// Nothing is retried by the workload: an error ends the attempt and is
// recorded with its code (database/sql itself re-dials a pooled connection
// that turns out dead before anything was sent on it; that is not a retry
// of a statement).

const (
	chaosStmtTimeout = 12 * time.Second // context deadline of every statement
	chaosTxTimeout   = 70 * time.Second // context of BeginTx (statements + COMMIT)
	// DSN: dial, read and write timeouts, so that no call hangs on a
	// stopped proxy or a black-holed link even without a context.
	chaosDSNParams = "timeout=3s&readTimeout=15s&writeTimeout=15s"
)

// Outcomes of a transfer attempt.
const (
	chaosOK        = "ok"         // COMMIT returned OK: must be fully present
	chaosCommitErr = "commit_err" // COMMIT returned an error: fully present or fully absent
	chaosErr       = "err"        // error before COMMIT (COMMIT never sent): must be absent
	chaosSkip      = "skip"       // rolled back by the client (no funds, account missing): must be absent
)

// chaosTransfer is one transfer attempt and what the client saw.
type chaosTransfer struct {
	tid              string
	src, dst, amount int64
	proxy            int    // index of the proxy used
	prepared         bool   // server-side prepared statements (else interpolated)
	crossShard       bool   // src and dst on different shards, as far as known
	outcome          string // chaosOK, ...
	stage            string // statement that failed or led to the skip
	code             string // error code (see chaosErrCode)
	err              string
	start, end       time.Duration // since the workload began
}

// chaosRead is one read of the total.
type chaosRead struct {
	query      string // locking reads: the statement
	proxy      int
	total      int64
	ok         bool   // the read returned a value
	commitOK   bool   // locking reads: COMMIT returned OK too
	code       string // error code when !ok (or of the COMMIT)
	err        string
	start, end time.Duration
}

// chaosAccountOp is a creation or deletion of an account.
type chaosAccountOp struct {
	kind       string // create, delete
	id         int64
	proxy      int
	outcome    string // ok (delete: 1 row), none (delete: 0 rows), err
	code, err  string
	start, end time.Duration
}

type chaosAccount struct {
	shard   string // "" if unknown
	deleted bool   // a DELETE removed it (1 row affected)
}

type chaosWorkload struct {
	// dbs[proxy][0] uses interpolated statements, dbs[proxy][1] server-side
	// prepared statements.
	dbs          [][2]*sql.DB
	proxyNames   []string      // instance id of each proxy, for messages
	avail        []atomic.Bool // nemesis hint: the proxy is running (not killed or stopped)
	began        time.Time
	seed         uint64
	initialTotal int64
	stop         atomic.Bool
	nextID       atomic.Int64
	shardIDs     []string

	mu        sync.Mutex
	accounts  map[int64]*chaosAccount
	maybeZero []int64 // candidates for deletion (new or drained accounts)
	transfers []*chaosTransfer
	locking   []chaosRead
	plain     []chaosRead
	acctOps   []chaosAccountOp
	errSample map[string]string // code -> first message seen
}

func newChaosWorkload(dbs [][2]*sql.DB, proxyNames []string, seed uint64, shardNames []string, shardOf map[int64]string) *chaosWorkload {
	w := &chaosWorkload{
		dbs:        dbs,
		proxyNames: proxyNames,
		avail:      make([]atomic.Bool, len(dbs)),
		seed:       seed,
		shardIDs:   shardNames,
		accounts:   map[int64]*chaosAccount{},
		errSample:  map[string]string{},
	}
	for i := range w.avail {
		w.avail[i].Store(true)
	}
	for id, s := range shardOf {
		w.accounts[id] = &chaosAccount{shard: s}
	}
	w.nextID.Store(1000)
	return w
}

func (w *chaosWorkload) since() time.Duration { return time.Since(w.began) }

// proxyName names proxy i of this workload (its instance id).
func (w *chaosWorkload) proxyName(i int) string { return w.proxyNames[i] }

// run starts the client goroutines: transfer workers, one locking reader,
// one plain reader, one account creator/deleter. They stop when stop is
// set; the returned WaitGroup waits for them. began is the clock of the
// whole run (shared with the nemesis and the other deployment's clients,
// so that every +time in a report means the same instant).
func (w *chaosWorkload) run(began time.Time, transferWorkers int) *sync.WaitGroup {
	w.began = began
	var wg sync.WaitGroup
	for i := 0; i < transferWorkers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(w.seed, uint64(100+i)))
			for n := 0; !w.stop.Load(); n++ {
				w.transfer(rng, i, n)
				time.Sleep(time.Duration(5+rng.IntN(20)) * time.Millisecond)
			}
		}()
	}
	wg.Add(3)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(w.seed, 1))
		for !w.stop.Load() {
			w.lockingRead(rng)
			time.Sleep(time.Duration(100+rng.IntN(200)) * time.Millisecond)
		}
	}()
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(w.seed, 2))
		for !w.stop.Load() {
			w.plainRead(rng)
			time.Sleep(time.Duration(20+rng.IntN(60)) * time.Millisecond)
		}
	}()
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(w.seed, 3))
		for !w.stop.Load() {
			if rng.IntN(2) == 0 {
				w.createAccount(rng)
			} else {
				w.deleteAccount(rng)
			}
			time.Sleep(time.Duration(300+rng.IntN(400)) * time.Millisecond)
		}
	}()
	return &wg
}

// pickProxy prefers the proxies the nemesis says are running, as a load
// balancer with health checks would; in-flight transactions still meet
// every fault.
func (w *chaosWorkload) pickProxy(rng *rand.Rand) int {
	var up []int
	for i := range w.avail {
		if w.avail[i].Load() {
			up = append(up, i)
		}
	}
	if len(up) == 0 {
		return rng.IntN(len(w.dbs))
	}
	return up[rng.IntN(len(up))]
}

func (w *chaosWorkload) db(rng *rand.Rand) (int, bool, *sql.DB) {
	p := w.pickProxy(rng)
	prepared := rng.IntN(3) == 0
	m := 0
	if prepared {
		m = 1
	}
	return p, prepared, w.dbs[p][m]
}

// pickPair picks src and dst, on different shards 85% of the time when
// the shards are known.
func (w *chaosWorkload) pickPair(rng *rand.Rand) (src, dst int64, cross bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]int64, 0, len(w.accounts))
	for id, a := range w.accounts {
		if !a.deleted {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) < 2 {
		return 1, 2, false
	}
	src = ids[rng.IntN(len(ids))]
	wantCross := rng.IntN(100) < 85
	for try := 0; try < 20; try++ {
		dst = ids[rng.IntN(len(ids))]
		if dst == src {
			continue
		}
		ss, ds := w.accounts[src].shard, w.accounts[dst].shard
		if ss == "" || ds == "" || (ss != ds) == wantCross {
			break
		}
	}
	for dst == src {
		dst = ids[rng.IntN(len(ids))]
	}
	ss, ds := w.accounts[src].shard, w.accounts[dst].shard
	return src, dst, ss != "" && ds != "" && ss != ds
}

func (w *chaosWorkload) noteErr(code string, err error) {
	w.mu.Lock()
	if _, ok := w.errSample[code]; !ok {
		w.errSample[code] = err.Error()
	}
	w.mu.Unlock()
}

// transfer: BEGIN; SELECT bal FROM accounts WHERE id=src FOR UPDATE; if
// bal >= amount: UPDATE src; UPDATE dst; INSERT INTO transfers; COMMIT.
func (w *chaosWorkload) transfer(rng *rand.Rand, worker, n int) {
	p, prepared, db := w.db(rng)
	src, dst, cross := w.pickPair(rng)
	x := &chaosTransfer{
		tid: fmt.Sprintf("w%d-%d", worker, n), src: src, dst: dst, amount: 1 + rng.Int64N(100),
		proxy: p, prepared: prepared, crossShard: cross, start: w.since(),
	}
	drain := rng.IntN(100) < 3 // move the whole balance: makes deletable accounts
	defer func() {
		x.end = w.since()
		w.mu.Lock()
		w.transfers = append(w.transfers, x)
		if drain && x.outcome == chaosOK {
			w.maybeZero = append(w.maybeZero, src)
		}
		w.mu.Unlock()
	}()
	fail := func(stage string, err error) {
		x.stage, x.code, x.err = stage, chaosErrCode(err), err.Error()
		w.noteErr(x.code, err)
	}
	txCtx, cancel := context.WithTimeout(context.Background(), chaosTxTimeout)
	defer cancel()
	tx, err := db.BeginTx(txCtx, nil)
	if err != nil {
		x.outcome = chaosErr
		fail("begin", err)
		return
	}
	rollback := func() { _ = tx.Rollback() }
	stmt := func(stage string, f func(ctx context.Context) error) bool {
		ctx, cancel := context.WithTimeout(txCtx, chaosStmtTimeout)
		defer cancel()
		if err := f(ctx); err != nil {
			x.outcome = chaosErr
			fail(stage, err)
			rollback()
			return false
		}
		return true
	}
	skip := func(stage, why string) {
		x.outcome, x.stage, x.err = chaosSkip, stage, why
		rollback()
	}
	var bal int64
	found := true
	if !stmt("select", func(ctx context.Context) error {
		err := tx.QueryRowContext(ctx, "SELECT bal FROM accounts WHERE id = ? FOR UPDATE", src).Scan(&bal)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		return err
	}) {
		return
	}
	if !found {
		skip("select", "no source account")
		return
	}
	if drain {
		x.amount = bal
	}
	if x.amount <= 0 || bal < x.amount {
		skip("select", fmt.Sprintf("insufficient funds: %d < %d", bal, x.amount))
		return
	}
	var affected int64
	update := func(delta, id int64) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			r, err := tx.ExecContext(ctx, "UPDATE accounts SET bal = bal + ? WHERE id = ?", delta, id)
			if err == nil {
				affected, err = r.RowsAffected()
			}
			return err
		}
	}
	if !stmt("update_src", update(-x.amount, src)) {
		return
	}
	if affected != 1 {
		skip("update_src", fmt.Sprintf("UPDATE of the locked source changed %d rows", affected))
		return
	}
	if !stmt("update_dst", update(x.amount, dst)) {
		return
	}
	if affected != 1 {
		skip("update_dst", "no destination account")
		return
	}
	if !stmt("insert", func(ctx context.Context) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO transfers (src, tid, dst, amount) VALUES (?, ?, ?, ?)", src, x.tid, dst, x.amount)
		return err
	}) {
		return
	}
	if err := tx.Commit(); err != nil {
		x.outcome = chaosCommitErr
		fail("commit", err)
		return
	}
	x.outcome = chaosOK
}

// lockingRead: BEGIN; SELECT SUM(bal) FROM accounts LOCK IN SHARE MODE
// (or FOR UPDATE); COMMIT.
func (w *chaosWorkload) lockingRead(rng *rand.Rand) {
	p, _, db := w.db(rng)
	r := chaosRead{proxy: p, start: w.since()}
	defer func() {
		r.end = w.since()
		w.mu.Lock()
		w.locking = append(w.locking, r)
		w.mu.Unlock()
	}()
	fail := func(err error) {
		r.code, r.err = chaosErrCode(err), err.Error()
		w.noteErr(r.code, err)
	}
	txCtx, cancel := context.WithTimeout(context.Background(), chaosTxTimeout)
	defer cancel()
	tx, err := db.BeginTx(txCtx, nil)
	if err != nil {
		fail(err)
		return
	}
	q := "SELECT SUM(bal) FROM accounts LOCK IN SHARE MODE"
	if rng.IntN(2) == 0 {
		q = "SELECT SUM(bal) FROM accounts FOR UPDATE"
	}
	r.query = q
	ctx, cancel2 := context.WithTimeout(txCtx, chaosStmtTimeout)
	var total sql.NullInt64
	err = tx.QueryRowContext(ctx, q).Scan(&total)
	cancel2()
	if err != nil {
		fail(err)
		_ = tx.Rollback()
		return
	}
	r.ok, r.total = true, total.Int64
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	r.commitOK = true
}

// plainRead: autocommit SELECT SUM(bal) FROM accounts (may be fractured).
func (w *chaosWorkload) plainRead(rng *rand.Rand) {
	p, _, db := w.db(rng)
	r := chaosRead{proxy: p, start: w.since()}
	ctx, cancel := context.WithTimeout(context.Background(), chaosStmtTimeout)
	defer cancel()
	var total sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT SUM(bal) FROM accounts").Scan(&total); err != nil {
		r.code, r.err = chaosErrCode(err), err.Error()
		w.noteErr(r.code, err)
	} else {
		r.ok, r.total = true, total.Int64
	}
	r.end = w.since()
	w.mu.Lock()
	w.plain = append(w.plain, r)
	w.mu.Unlock()
}

// createAccount inserts a new account (never used id) with balance 0.
func (w *chaosWorkload) createAccount(rng *rand.Rand) {
	p, _, db := w.db(rng)
	id := w.nextID.Add(1)
	op := chaosAccountOp{kind: "create", id: id, proxy: p, start: w.since()}
	ctx, cancel := context.WithTimeout(context.Background(), chaosStmtTimeout)
	defer cancel()
	_, err := db.ExecContext(ctx, "INSERT INTO accounts (id, bal) VALUES (?, 0)", id)
	op.end = w.since()
	if err != nil {
		op.outcome, op.code, op.err = "err", chaosErrCode(err), err.Error()
		w.noteErr(op.code, err)
	} else {
		op.outcome = "ok"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acctOps = append(w.acctOps, op)
	// Even after an error it may exist: transfers may use it (they roll
	// back if it does not). Its shard is unknown to the client.
	w.accounts[id] = &chaosAccount{}
	w.maybeZero = append(w.maybeZero, id)
}

// deleteAccount deletes an account whose balance is 0: DELETE ... WHERE
// id=? AND bal=0.
func (w *chaosWorkload) deleteAccount(rng *rand.Rand) {
	w.mu.Lock()
	var id int64
	if len(w.maybeZero) > 0 && rng.IntN(10) < 7 {
		i := rng.IntN(len(w.maybeZero))
		id = w.maybeZero[i]
		w.maybeZero = append(w.maybeZero[:i], w.maybeZero[i+1:]...)
	} else {
		ids := make([]int64, 0, len(w.accounts))
		for k, a := range w.accounts {
			if !a.deleted {
				ids = append(ids, k)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		if len(ids) > 0 {
			id = ids[rng.IntN(len(ids))]
		}
	}
	w.mu.Unlock()
	if id == 0 {
		return
	}
	p, _, db := w.db(rng)
	op := chaosAccountOp{kind: "delete", id: id, proxy: p, start: w.since()}
	ctx, cancel := context.WithTimeout(context.Background(), chaosStmtTimeout)
	defer cancel()
	r, err := db.ExecContext(ctx, "DELETE FROM accounts WHERE id = ? AND bal = 0", id)
	var n int64
	if err == nil {
		n, err = r.RowsAffected()
	}
	op.end = w.since()
	switch {
	case err != nil:
		op.outcome, op.code, op.err = "err", chaosErrCode(err), err.Error()
		w.noteErr(op.code, err)
	case n == 1:
		op.outcome = "ok"
	default:
		op.outcome = "none"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acctOps = append(w.acctOps, op)
	if op.outcome == "ok" {
		w.accounts[id].deleted = true
	}
}

// chaosErrCode names an error for counting: the MySQL error number, or
// conn (connection refused/reset/closed, invalid connection), timeout
// (deadline or I/O timeout), txdone, other.
func chaosErrCode(err error) string {
	var me *mysql.MySQLError
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &me):
		return strconv.Itoa(int(me.Number))
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, sql.ErrTxDone):
		return "txdone"
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed), errors.Is(err, sql.ErrConnDone):
		return "conn"
	case strings.Contains(err.Error(), "timeout"):
		return "timeout"
	case strings.Contains(err.Error(), "connection"):
		return "conn"
	}
	return "other"
}
