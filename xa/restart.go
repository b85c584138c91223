package xa

import (
	"context"
	"strings"
)

// A shard restart detaches every prepared branch from its connection, and
// connection ids start again: a new connection may carry the id in a
// surviving branch's bqual, and hold a transaction of its own. Taking it
// for the branch's owner would hold the branch back (owner_busy) or kill a
// stranger. So recovery remembers the shard's boot when it first lists a
// branch; a branch listed before a later boot has no owner connection.

// booted is a ShardConn that tells when its server started, as seconds of
// the server's own clock.
type booted interface {
	Boot(ctx context.Context) (int64, error)
}

// bootSlack: a boot time read as now minus uptime, both whole seconds read
// apart, varies by a second between reads of one server run; a restart
// moves it by the server's whole previous run.
const bootSlack = 2

// branchKey names a branch across passes.
func branchKey(b branch) string { return b.shard + "/" + b.xid.SQL() }

// scanShard lists shard's prepared branches and, where the connection
// tells, its boot.
func (r *Recoverer) scanShard(ctx context.Context, shard string) (xids []XID, boot int64, known bool, err error) {
	c, release, err := r.shards.Conn(ctx, shard)
	if err != nil {
		return nil, 0, false, err
	}
	defer release()
	if xids, err = c.Recover(ctx); err != nil {
		return nil, 0, false, err
	}
	if bc, ok := c.(booted); ok {
		if b, err := bc.Boot(ctx); err == nil {
			return xids, b, true, nil
		}
	}
	return xids, 0, false, nil
}

// trackBoots records the boot under which each listed branch was first
// seen, and forgets the branches no longer listed on the shards this pass
// read (a shard that could not be read, as while it restarts, keeps its
// branches' records: they are how the restart is noticed).
func (r *Recoverer) trackBoots(p *pass) {
	r.mu.Lock()
	defer r.mu.Unlock()
	listed := map[string]bool{}
	for _, bs := range p.listed {
		for _, b := range bs {
			k := branchKey(b)
			listed[k] = true
			if _, ok := r.firstBoot[k]; !ok {
				if boot, known := p.boot[b.shard]; known {
					r.firstBoot[k] = boot
				}
			}
		}
	}
	for k := range r.firstBoot {
		shard, _, _ := strings.Cut(k, "/")
		if _, read := p.boot[shard]; read && !listed[k] {
			delete(r.firstBoot, k)
		}
	}
}

// restarted tells whether b's shard restarted since b was first listed:
// no connection holds b then.
func (r *Recoverer) restarted(p *pass, b branch) bool {
	r.mu.Lock()
	first, ok := r.firstBoot[branchKey(b)]
	r.mu.Unlock()
	now, known := p.boot[b.shard]
	return ok && known && (now-first > bootSlack || first-now > bootSlack)
}
