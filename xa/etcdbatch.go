package xa

import (
	"context"
	"errors"
	"fmt"
	"sync"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Group commit. Every two-phase commit writes a decision; one etcd
// transaction per write makes etcd's request handling, not its disk, the
// limit once many sessions commit at once. Decisions that arrive while
// earlier ones are in flight are sent together as one transaction. A lone
// decision goes out at once: batching never waits for company, so it adds
// no latency at low load. (Deletes are gathered by the coordinator and
// sent with DeleteAll.)

const (
	// maxBatch bounds the writes of one transaction: etcd refuses a
	// transaction with more than --max-txn-ops (default 128) operations in
	// any of its lists, nested transactions included.
	maxBatch = 64
	// batchesInFlight is how many batch transactions may be outstanding at
	// once; the next batch forms while they are.
	batchesInFlight = 2
)

// errNotSent: the request never left the batcher, so it changed nothing.
var errNotSent = errors.New("not sent")

// decideCall is one caller's decision waiting for its batch.
type decideCall struct {
	q    decideReq
	done chan decideAnswer
}

// decideAnswer is what the caller's own create-if-absent would have
// returned.
type decideAnswer struct {
	resp *clientv3.TxnResponse
	err  error
}

// batcher gathers concurrent decisions into batches handed to flush,
// which must answer every call of its batch exactly once. A caller that finds
// a free slot flushes its batch itself (no goroutine hand-off at low load);
// requests arriving while every slot is busy wait and leave together when
// a slot frees.
type batcher struct {
	flush func(batch []*decideCall)
	// sizes, when set, observes the size of each batch.
	sizes func(int)

	mu       sync.Mutex
	pending  []*decideCall
	inflight int
	closed   bool
}

func newBatcher(closing <-chan struct{}, flush func([]*decideCall), sizes func(int)) *batcher {
	b := &batcher{flush: flush, sizes: sizes}
	go func() {
		<-closing
		b.mu.Lock()
		b.closed = true
		stranded := b.pending
		b.pending = nil
		b.mu.Unlock()
		for _, r := range stranded {
			r.done <- decideAnswer{err: fmt.Errorf("%w: %w", errNotSent, ErrClosed)}
		}
	}()
	return b
}

// do submits q and waits for its answer. If ctx ends or the log closes
// before the request is sent, nothing was sent.
func (b *batcher) do(ctx context.Context, q decideReq) (*clientv3.TxnResponse, error) {
	r := &decideCall{q: q, done: make(chan decideAnswer, 1)}
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", errNotSent, ErrClosed)
	case b.inflight < batchesInFlight:
		b.inflight++
		batch := append(b.take(), r)
		b.mu.Unlock()
		b.run(batch)
	default:
		b.pending = append(b.pending, r)
		b.mu.Unlock()
		select {
		case res := <-r.done:
			return res.resp, res.err
		case <-ctx.Done():
			if b.withdraw(r) {
				return nil, fmt.Errorf("%w: %w", errNotSent, ctx.Err())
			}
		}
	}
	// Once sent the request may be applied: wait for the answer, which
	// flush bounds with its own request deadline.
	res := <-r.done
	return res.resp, res.err
}

// take removes up to maxBatch-1 waiting requests (room for the caller's).
func (b *batcher) take() []*decideCall {
	n := min(len(b.pending), maxBatch-1)
	batch := make([]*decideCall, n, n+1)
	copy(batch, b.pending)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	return batch
}

// withdraw removes a waiting request; false if it was already taken.
func (b *batcher) withdraw(r *decideCall) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, p := range b.pending {
		if p == r {
			b.pending = append(b.pending[:i], b.pending[i+1:]...)
			return true
		}
	}
	return false
}

// run flushes a batch in the caller's slot, then hands the slot to the
// requests that queued meanwhile, in a goroutine so that the caller gets
// its answer now.
func (b *batcher) run(batch []*decideCall) {
	if b.sizes != nil {
		b.sizes(len(batch))
	}
	b.flush(batch)
	b.mu.Lock()
	if len(b.pending) == 0 || b.closed {
		b.inflight--
		b.mu.Unlock()
		return
	}
	next := b.take()
	if len(b.pending) > 0 {
		next = append(next, b.pending[0])
		b.pending = b.pending[1:]
	}
	b.mu.Unlock()
	go b.run(next)
}

// decideReq is a fenced create-if-absent decision write.
type decideReq struct {
	gtrid string
	fence Fence
	val   []byte
}

// flushDecisions writes a batch of decisions. Decisions under the same
// fence share one transaction that checks the fence once and runs, per
// decision, the create-if-absent transaction of Decide as a nested
// transaction:
//
//	If(LeaseValue(inst/<registration>) == token)
//	Then(Txn(If(CreateRevision(dec/<g>) == 0) Then(Put(dec/<g>)) Else(Get(dec/<g>))), ...)
//	Else(Get(dec/<g>), ...)
//
// Each caller gets the response its own flat transaction would have had,
// so Decide reads it the same way (txnResult). An error applies to every
// decision of the transaction alike.
func (l *EtcdLog) flushDecisions(batch []*decideCall) {
	groups := map[Fence][]*decideCall{}
	var order []Fence
	var alone []*decideCall
	seen := map[string]bool{}
	for _, r := range batch {
		// etcd refuses a transaction writing one key twice.
		if seen[r.q.gtrid] {
			alone = append(alone, r)
			continue
		}
		seen[r.q.gtrid] = true
		if _, ok := groups[r.q.fence]; !ok {
			order = append(order, r.q.fence)
		}
		groups[r.q.fence] = append(groups[r.q.fence], r)
	}
	for _, f := range order {
		l.decideGroup(f, groups[f])
	}
	for _, r := range alone {
		l.decideGroup(r.q.fence, []*decideCall{r})
	}
}

func (l *EtcdLog) decideGroup(f Fence, reqs []*decideCall) {
	ctx, cancel := context.WithTimeout(context.Background(), l.reqTimeout)
	defer cancel()
	if len(reqs) == 1 {
		// The plain form of Decide, readable by any etcd 3.x.
		r := reqs[0]
		resp, err := l.createIfAbsent(ctx, r.q.gtrid, r.q.val, f)
		r.done <- decideAnswer{resp, err}
		return
	}
	then := make([]clientv3.Op, len(reqs))
	els := make([]clientv3.Op, len(reqs))
	for i, r := range reqs {
		key := l.decKey(r.q.gtrid)
		then[i] = clientv3.OpTxn(
			[]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)},
			[]clientv3.Op{clientv3.OpPut(key, string(r.q.val))},
			[]clientv3.Op{clientv3.OpGet(key)})
		els[i] = clientv3.OpGet(key)
	}
	resp, err := l.kv.Txn(ctx).If(l.fenceCmp(f)).Then(then...).Else(els...).Commit()
	if err == nil && len(resp.Responses) != len(reqs) {
		err = errors.New("etcd answered a batched decision transaction with the wrong number of responses")
	}
	for i, r := range reqs {
		if err != nil {
			r.done <- decideAnswer{nil, err}
			continue
		}
		r.done <- decideAnswer{splitDecision(resp, i), nil}
	}
}

// splitDecision is decision i's share of a batched transaction, shaped as
// the response of Decide's flat transaction: Succeeded when its key was
// created, else the stored decision (or nothing, when the fence failed).
func splitDecision(resp *clientv3.TxnResponse, i int) *clientv3.TxnResponse {
	op := resp.Responses[i]
	if resp.Succeeded {
		if inner := op.GetResponseTxn(); inner != nil {
			return (*clientv3.TxnResponse)(inner)
		}
		// Not a nested transaction: txnResult reports it as corrupt.
		return &clientv3.TxnResponse{Responses: []*pb.ResponseOp{op}}
	}
	return &clientv3.TxnResponse{Succeeded: false, Responses: []*pb.ResponseOp{op}}
}
