package integration

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// The end-of-run checks of the chaos test, on what the shards hold (read
// directly, bypassing the proxies) and what the clients saw.

type chaosRow struct {
	src, dst, amount int64
	shard            string
}

// chaosState is what the shards hold at the end.
type chaosState struct {
	balances map[int64]int64  // account id -> balance
	accShard map[int64]string // account id -> shard
	rows     map[string]chaosRow
	dupRows  []string
}

func chaosReadState(ctx context.Context, names []string, direct map[string]*sql.DB) (*chaosState, error) {
	st := &chaosState{balances: map[int64]int64{}, accShard: map[int64]string{}, rows: map[string]chaosRow{}}
	for _, name := range names {
		db := direct[name]
		rows, err := db.QueryContext(ctx, "SELECT id, bal FROM accounts")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for rows.Next() {
			var id, bal int64
			if err := rows.Scan(&id, &bal); err != nil {
				rows.Close()
				return nil, err
			}
			if other, dup := st.accShard[id]; dup {
				st.dupRows = append(st.dupRows, fmt.Sprintf("account %d on %s and %s", id, other, name))
			}
			st.balances[id] = bal
			st.accShard[id] = name
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		rows, err = db.QueryContext(ctx, "SELECT src, tid, dst, amount FROM transfers")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for rows.Next() {
			var r chaosRow
			var tid string
			if err := rows.Scan(&r.src, &tid, &r.dst, &r.amount); err != nil {
				rows.Close()
				return nil, err
			}
			r.shard = name
			if old, dup := st.rows[tid]; dup {
				st.dupRows = append(st.dupRows, fmt.Sprintf("transfer %s on %s and %s", tid, old.shard, name))
			}
			st.rows[tid] = r
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// chaosOpenTrx lists the transactions open on a shard other than the
// caller's (information_schema.innodb_trx): once the clients are done and
// recovery has finished, none should be left. One that stays open on an
// idle proxy connection is an XA branch the proxy lost track of; the
// writes it holds were acknowledged to someone and will be rolled back.
func chaosOpenTrx(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT trx_id, trx_state, trx_started, COALESCE(trx_mysql_thread_id, 0),
		trx_rows_modified, trx_rows_locked FROM information_schema.innodb_trx
		WHERE trx_mysql_thread_id IS NULL OR trx_mysql_thread_id <> CONNECTION_ID()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, state, started string
		var thread, modified, locked int64
		if err := rows.Scan(&id, &state, &started, &thread, &modified, &locked); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("trx %s %s since %s on connection %d (%d rows modified, %d locked)", id, state, started, thread, modified, locked))
	}
	return out, rows.Err()
}

// chaosLeftovers returns the prepared branches and the open transactions
// per shard (of every deployment: XA RECOVER and innodb_trx are
// server-wide) and the decision records in etcd under any of decPrefixes
// (full key -> value).
func chaosLeftovers(tb chaosTB, names []string, direct map[string]*sql.DB, etcd *harness.Etcd, decPrefixes []string) (map[string][]string, map[string][]string, map[string]string, error) {
	prepared := map[string][]string{}
	open := map[string][]string{}
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		x, err := harness.XARecover(ctx, direct[n])
		if err == nil && len(x) > 0 {
			prepared[n] = x
		}
		var o []string
		if err == nil {
			o, err = chaosOpenTrx(ctx, direct[n])
		}
		cancel()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", n, err)
		}
		if len(o) > 0 {
			open[n] = o
		}
	}
	dec := map[string]string{}
	for _, prefix := range decPrefixes {
		var kvs map[string]string
		if err := chaosTry(func() { kvs = etcd.GetPrefix(tb, prefix) }); err != nil {
			return nil, nil, nil, err
		}
		for k, v := range kvs {
			dec[k] = v
		}
	}
	return prepared, open, dec, nil
}

// chaosVerdict accumulates violations and the counts of the summary.
type chaosVerdict struct {
	violations []string
	offending  map[string]bool // tids to show with their context

	okPresent, okMissing           int
	commitErrPresent, commitErrAbs int
	errAbsent, errPresent          int
	skipped                        int
	lockingBad                     int
	plainFractured                 int
	plainImplausible               int
	negative                       int
	total                          int64
	accountsAtEnd                  int
}

func (v *chaosVerdict) fail(format string, args ...any) {
	v.violations = append(v.violations, fmt.Sprintf(format, args...))
}

// check compares the shards' final state with what the clients saw.
func chaosCheck(w *chaosWorkload, st *chaosState, initial map[int64]int64, initialTotal int64, faults []*chaosFault) *chaosVerdict {
	v := &chaosVerdict{offending: map[string]bool{}}
	for _, d := range st.dupRows {
		v.fail("duplicate row: %s", d)
	}
	byTid := map[string]*chaosTransfer{}
	for _, x := range w.transfers {
		byTid[x.tid] = x
	}

	// Transfers: outcome seen by the client vs presence of its row.
	for _, x := range w.transfers {
		r, present := st.rows[x.tid]
		if present && (r.src != x.src || r.dst != x.dst || r.amount != x.amount) {
			v.fail("transfer %s: row is src=%d dst=%d amount=%d, the client sent src=%d dst=%d amount=%d",
				x.tid, r.src, r.dst, r.amount, x.src, x.dst, x.amount)
			v.offending[x.tid] = true
		}
		switch x.outcome {
		case chaosOK:
			if present {
				v.okPresent++
			} else {
				v.okMissing++
				v.offending[x.tid] = true
				v.fail("transfer %s got OK from COMMIT but its transfers row is missing (lost committed transaction)", x.tid)
			}
		case chaosCommitErr:
			if present {
				v.commitErrPresent++
			} else {
				v.commitErrAbs++
			}
		case chaosErr, chaosSkip:
			if x.outcome == chaosSkip {
				v.skipped++
			}
			if present {
				v.errPresent++
				v.offending[x.tid] = true
				v.fail("transfer %s is committed although the client never sent COMMIT (%s at %s: %s)", x.tid, x.outcome, x.stage, x.err)
			} else if x.outcome == chaosErr {
				v.errAbsent++
			}
		}
	}
	for tid, r := range st.rows {
		if byTid[tid] == nil {
			v.fail("transfers row %s (src=%d dst=%d amount=%d, on %s) was never sent by a client", tid, r.src, r.dst, r.amount, r.shard)
		}
	}

	// Balances: initial + the effect of exactly the present transfers.
	expected := map[int64]int64{}
	for id, b := range initial {
		expected[id] = b
	}
	for _, r := range st.rows {
		expected[r.src] -= r.amount
		expected[r.dst] += r.amount
	}
	created := map[int64]bool{}
	deleteTried := map[int64]bool{}
	deleted := map[int64]bool{}
	createdOK := map[int64]bool{}
	for _, op := range w.acctOps {
		switch op.kind {
		case "create":
			created[op.id] = true
			createdOK[op.id] = op.outcome == "ok"
		case "delete":
			if op.outcome != "none" {
				deleteTried[op.id] = true
			}
			if op.outcome == "ok" {
				deleted[op.id] = true
			}
		}
	}
	ids := map[int64]bool{}
	for id := range expected {
		ids[id] = true
	}
	for id := range st.balances {
		ids[id] = true
	}
	sorted := make([]int64, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for _, id := range sorted {
		bal, present := st.balances[id]
		exp := expected[id]
		_, isInitial := initial[id]
		switch {
		case present:
			v.total += bal
			v.accountsAtEnd++
			if !isInitial && !created[id] {
				v.fail("account %d (on %s) was never created by a client", id, st.accShard[id])
			}
			if deleted[id] {
				v.fail("account %d was deleted (DELETE affected 1 row) but exists again with balance %d", id, bal)
			}
			if bal < 0 {
				v.negative++
				v.fail("account %d (on %s) has a negative balance %d", id, st.accShard[id], bal)
			}
			if bal != exp {
				v.fail("account %d (on %s): balance %d, but its initial balance and the present transfers give %d (difference %+d)%s",
					id, st.accShard[id], bal, exp, bal-exp, v.suspects(w, st, id, bal-exp))
			}
		default:
			if createdOK[id] && !deleteTried[id] {
				v.fail("account %d: its INSERT returned OK, no DELETE was ever tried on it, yet it does not exist (lost write)", id)
			}
			if exp != 0 {
				v.fail("account %d is gone, but its initial balance and the present transfers leave it %d (money destroyed with the row)%s",
					id, exp, v.suspects(w, st, id, -exp))
			}
			if isInitial && !deleteTried[id] {
				v.fail("initial account %d vanished without a DELETE that could have removed it", id)
			}
		}
	}
	if v.total != initialTotal {
		v.fail("sum of all balances is %d, initial total %d (difference %+d)", v.total, initialTotal, v.total-initialTotal)
	}

	// Reads of the total.
	for _, r := range w.locking {
		if r.ok && r.total != initialTotal {
			v.lockingBad++
			if v.lockingBad <= 10 {
				v.fail("locking read of the total (%s) through %s at +%s..+%s saw %d, initial total %d (difference %+d; its COMMIT %s)%s",
					r.query, w.proxyName(r.proxy), r.start.Round(time.Millisecond), r.end.Round(time.Millisecond), r.total, initialTotal, r.total-initialTotal,
					map[bool]string{true: "returned OK", false: "failed: " + r.err}[r.commitOK], v.concurrent(w, st, r, r.total-initialTotal))
				if near := chaosFaultsAround(faults, r.start, r.end); near != "" {
					v.violations[len(v.violations)-1] += "\n      faults around it: " + near
				}
			}
		}
	}
	if v.lockingBad > 10 {
		v.fail("... %d locking reads of the total in all saw another total", v.lockingBad)
	}
	v.implausibleAnswers(w, st, initial, deleteTried)
	v.xaStateLeaks(w)
	v.plainReads(w, initialTotal)
	return v
}

// xaStateLeaks flags XA errors a client can only get when a pooled backend
// connection is still inside an XA branch of an earlier transaction: the
// clients never send XA statements, and a branch the proxy starts on a
// clean connection cannot find one already there.
func (v *chaosVerdict) xaStateLeaks(w *chaosWorkload) {
	var seen []string
	n := 0
	note := func(what string, start time.Duration, code, err string) {
		if code != "1399" && code != "1440" {
			return
		}
		n++
		if len(seen) < 5 {
			seen = append(seen, fmt.Sprintf("%s at +%s: %s", what, start.Round(time.Millisecond), err))
		}
	}
	for _, x := range w.transfers {
		note("transfer "+x.tid+" ("+x.stage+")", x.start, x.code, x.err)
	}
	for _, r := range w.locking {
		note("locking read", r.start, r.code, r.err)
	}
	for _, r := range w.plain {
		note("plain read", r.start, r.code, r.err)
	}
	for _, op := range w.acctOps {
		note(op.kind+" of account "+fmt.Sprint(op.id), op.start, op.code, op.err)
	}
	if n > 0 {
		v.fail("%d statements failed with XAER_RMFAIL/XAER_DUPID although no client sends XA statements: the proxy started a branch on a backend connection still inside an earlier XA branch; e.g. %s",
			n, strings.Join(seen, "; "))
	}
}

// implausibleAnswers flags transfers rolled back because a statement said
// an account was missing, when the account is an initial one that exists
// at the end and no DELETE was ever tried on it (ids are never reused, so
// it existed all along): the statement got an answer that was not its own.
func (v *chaosVerdict) implausibleAnswers(w *chaosWorkload, st *chaosState, initial map[int64]int64, deleteTried map[int64]bool) {
	n := 0
	for _, x := range w.transfers {
		if x.outcome != chaosSkip {
			continue
		}
		var id int64
		switch x.stage {
		case "select":
			if !strings.HasPrefix(x.err, "no source account") {
				continue
			}
			id = x.src
		case "update_src":
			id = x.src
		case "update_dst":
			id = x.dst
		default:
			continue
		}
		if _, ok := initial[id]; !ok || deleteTried[id] {
			continue
		}
		if _, exists := st.balances[id]; !exists {
			continue
		}
		n++
		v.offending[x.tid] = true
		if n <= 10 {
			v.fail("transfer %s: at %s the proxy answered as if account %d did not exist (%s), but it exists at the end and was never deleted (a wrong or stale answer?)",
				x.tid, x.stage, id, x.err)
		}
	}
	if n > 10 {
		v.fail("... %d transfers in all were told that an existing account was missing", n)
	}
}

// plainReads counts fractured plain reads and flags those no fracture can
// explain: a plain read can be off by at most the amounts of the transfers
// whose branches committed while it ran (generously: every transfer that
// committed or failed at COMMIT, started before the read ended and ended at
// most 60 s before it started, the time recovery may take to finish it).
func (v *chaosVerdict) plainReads(w *chaosWorkload, initialTotal int64) {
	xs := make([]*chaosTransfer, 0, len(w.transfers))
	for _, x := range w.transfers {
		if x.outcome == chaosOK || x.outcome == chaosCommitErr {
			xs = append(xs, x)
		}
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].start < xs[j].start })
	bad := 0
	for _, r := range w.plain {
		if !r.ok || r.total == initialTotal {
			continue
		}
		v.plainFractured++
		diff := r.total - initialTotal
		if diff < 0 {
			diff = -diff
		}
		// Transfers last at most chaosTxTimeout: those ending after
		// r.start-60s started after r.start-60s-chaosTxTimeout.
		from := r.start - 60*time.Second - chaosTxTimeout - time.Second
		i := sort.Search(len(xs), func(i int) bool { return xs[i].start >= from })
		var bound int64
		for ; i < len(xs) && xs[i].start <= r.end; i++ {
			if xs[i].end >= r.start-60*time.Second {
				bound += xs[i].amount
			}
		}
		if diff > bound {
			bad++
			if bad <= 10 {
				v.fail("plain read of the total through %s at +%s..+%s saw %d (off by %d), more than all transfers in flight around it could explain (%d): an answer that was not its own?",
					w.proxyName(r.proxy), r.start.Round(time.Millisecond), r.end.Round(time.Millisecond), r.total, r.total-initialTotal, bound)
			}
		}
	}
	v.plainImplausible = bad
	if bad > 10 {
		v.fail("... %d plain reads in all saw totals no in-flight transfer explains", bad)
	}
}

// concurrent names the transfers that overlapped a read in time and
// whose amount matches the difference it saw.
func (v *chaosVerdict) concurrent(w *chaosWorkload, st *chaosState, r chaosRead, diff int64) string {
	if diff < 0 {
		diff = -diff
	}
	var out []string
	for _, x := range w.transfers {
		if x.amount != diff || x.end < r.start-time.Second || x.start > r.end+time.Second {
			continue
		}
		if x.outcome == chaosSkip && x.stage == "select" {
			continue
		}
		_, present := st.rows[x.tid]
		v.offending[x.tid] = true
		out = append(out, fmt.Sprintf("%s (%s, row present: %v)", x.tid, x.outcome, present))
	}
	if len(out) == 0 {
		return ""
	}
	return "; concurrent transfers of that amount: " + strings.Join(out, ", ")
}

// suspects names the transfers touching account id whose amount matches
// the discrepancy and whose outcome makes them candidates.
func (v *chaosVerdict) suspects(w *chaosWorkload, st *chaosState, id, diff int64) string {
	if diff < 0 {
		diff = -diff
	}
	var out []string
	for _, x := range w.transfers {
		if (x.src != id && x.dst != id) || x.amount != diff {
			continue
		}
		if x.outcome == chaosSkip && x.stage == "select" {
			continue
		}
		_, present := st.rows[x.tid]
		v.offending[x.tid] = true
		out = append(out, fmt.Sprintf("%s (%s, row present: %v)", x.tid, x.outcome, present))
	}
	if len(out) == 0 {
		return ""
	}
	if len(out) > 8 {
		out = append(out[:8], fmt.Sprintf("and %d more", len(out)-8))
	}
	return "; transfers of that amount touching it: " + strings.Join(out, ", ")
}

// chaosDescribeTransfer renders an offending transfer of w with the faults
// around it.
func chaosDescribeTransfer(w *chaosWorkload, x *chaosTransfer, st *chaosState, faults []*chaosFault) string {
	r, present := st.rows[x.tid]
	accShard := st.accShard
	var b strings.Builder
	fmt.Fprintf(&b, "transfer %s: %d (%s) -> %d (%s), amount %d, via %s (%s), +%s..+%s: %s",
		x.tid, x.src, accShard[x.src], x.dst, accShard[x.dst], x.amount, w.proxyName(x.proxy),
		map[bool]string{true: "prepared statements", false: "interpolated"}[x.prepared],
		x.start.Round(time.Millisecond), x.end.Round(time.Millisecond), x.outcome)
	if x.stage != "" {
		fmt.Fprintf(&b, " at %s", x.stage)
	}
	if x.code != "" {
		fmt.Fprintf(&b, " [%s] %s", x.code, x.err)
	}
	if present {
		fmt.Fprintf(&b, "; row present on %s", r.shard)
	} else {
		b.WriteString("; row absent")
	}
	if near := chaosFaultsAround(faults, x.start, x.end); near != "" {
		b.WriteString("\n      faults around it: " + near)
	}
	return b.String()
}

// chaosFaultsAround lists the faults in effect within a second of [from, to].
func chaosFaultsAround(faults []*chaosFault, from, to time.Duration) string {
	var near []string
	for _, f := range faults {
		end := f.at + f.dur
		if f.healed > end {
			end = f.healed
		}
		if f.at <= to+time.Second && end >= from-time.Second {
			near = append(near, fmt.Sprintf("%s %s at +%s for %s", f.kind, f.target, f.at.Round(time.Millisecond), (end-f.at).Round(time.Millisecond)))
		}
	}
	return strings.Join(near, "; ")
}

func chaosCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}
