package xa

import (
	"context"
	"errors"
	"fmt"
	"sync"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Group commit. Every two-phase commit writes a decision and later deletes
// it; one etcd transaction per write makes etcd's request handling, not
// its disk, the limit once many sessions commit at once. Writes that
// arrive while earlier ones are in flight are sent together as one
// transaction. A lone write goes out at once: batching never waits for
// company, so it adds no latency at low load.

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

// batchReq is one caller's write waiting for its batch.
type batchReq[Q, R any] struct {
	q    Q
	done chan batchRes[R]
}

type batchRes[R any] struct {
	r   R
	err error
}

// batcher gathers concurrent requests into batches handed to flush, which
// must answer every request of its batch exactly once. A caller that finds
// a free slot flushes its batch itself (no goroutine hand-off at low load);
// requests arriving while every slot is busy wait and leave together when
// a slot frees.
type batcher[Q, R any] struct {
	flush func(batch []*batchReq[Q, R])
	// sizes, when set, observes the size of each batch.
	sizes func(int)

	mu       sync.Mutex
	pending  []*batchReq[Q, R]
	inflight int
	closed   bool
}

func newBatcher[Q, R any](closing <-chan struct{}, flush func([]*batchReq[Q, R]), sizes func(int)) *batcher[Q, R] {
	b := &batcher[Q, R]{flush: flush, sizes: sizes}
	go func() {
		<-closing
		b.mu.Lock()
		b.closed = true
		stranded := b.pending
		b.pending = nil
		b.mu.Unlock()
		for _, r := range stranded {
			r.done <- batchRes[R]{err: fmt.Errorf("%w: %w", errNotSent, ErrClosed)}
		}
	}()
	return b
}

// do submits q and waits for its answer. If ctx ends or the log closes
// before the request is sent, nothing was sent.
func (b *batcher[Q, R]) do(ctx context.Context, q Q) (R, error) {
	r := &batchReq[Q, R]{q: q, done: make(chan batchRes[R], 1)}
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		var zero R
		return zero, fmt.Errorf("%w: %w", errNotSent, ErrClosed)
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
			return res.r, res.err
		case <-ctx.Done():
			if b.withdraw(r) {
				var zero R
				return zero, fmt.Errorf("%w: %w", errNotSent, ctx.Err())
			}
		}
	}
	// Once sent the request may be applied: wait for the answer, which
	// flush bounds with its own request deadline.
	res := <-r.done
	return res.r, res.err
}

// take removes up to maxBatch-1 waiting requests (room for the caller's).
func (b *batcher[Q, R]) take() []*batchReq[Q, R] {
	n := min(len(b.pending), maxBatch-1)
	batch := make([]*batchReq[Q, R], n, n+1)
	copy(batch, b.pending)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	return batch
}

// withdraw removes a waiting request; false if it was already taken.
func (b *batcher[Q, R]) withdraw(r *batchReq[Q, R]) bool {
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
func (b *batcher[Q, R]) run(batch []*batchReq[Q, R]) {
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
func (l *EtcdLog) flushDecisions(batch []*batchReq[decideReq, *clientv3.TxnResponse]) {
	groups := map[Fence][]*batchReq[decideReq, *clientv3.TxnResponse]{}
	var order []Fence
	var alone []*batchReq[decideReq, *clientv3.TxnResponse]
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
		l.decideGroup(r.q.fence, []*batchReq[decideReq, *clientv3.TxnResponse]{r})
	}
}

func (l *EtcdLog) decideGroup(f Fence, reqs []*batchReq[decideReq, *clientv3.TxnResponse]) {
	ctx, cancel := context.WithTimeout(context.Background(), l.reqTimeout)
	defer cancel()
	fence := clientv3.Compare(clientv3.LeaseValue(l.instKey(f.Registration)), "=", f.Token)
	if len(reqs) == 1 {
		// The plain form of Decide, readable by any etcd 3.x.
		r := reqs[0]
		key := l.decKey(r.q.gtrid)
		resp, err := l.kv.Txn(ctx).
			If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0), fence).
			Then(clientv3.OpPut(key, string(r.q.val))).
			Else(clientv3.OpGet(key)).
			Commit()
		r.done <- batchRes[*clientv3.TxnResponse]{resp, err}
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
	resp, err := l.kv.Txn(ctx).If(fence).Then(then...).Else(els...).Commit()
	if err == nil && len(resp.Responses) != len(reqs) {
		err = errors.New("etcd answered a batched decision transaction with the wrong number of responses")
	}
	for i, r := range reqs {
		if err != nil {
			r.done <- batchRes[*clientv3.TxnResponse]{nil, err}
			continue
		}
		r.done <- batchRes[*clientv3.TxnResponse]{splitDecision(resp, i), nil}
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

// flushDeletes removes a batch of decision keys in one transaction.
func (l *EtcdLog) flushDeletes(batch []*batchReq[string, struct{}]) {
	ctx, cancel := context.WithTimeout(context.Background(), l.reqTimeout)
	defer cancel()
	seen := map[string]bool{}
	ops := make([]clientv3.Op, 0, len(batch))
	for _, r := range batch {
		if !seen[r.q] {
			seen[r.q] = true
			ops = append(ops, clientv3.OpDelete(l.decKey(r.q)))
		}
	}
	_, err := l.kv.Txn(ctx).Then(ops...).Commit()
	for _, r := range batch {
		r.done <- batchRes[struct{}]{struct{}{}, err}
	}
}
