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
// branch; a branch listed before a later boot has no owner connection. A
// branch first listed after the restart (prepared less than a pass before
// the crash, or a recoverer that started after it) is not told apart.

// booted is a ShardConn that tells when its server started, as seconds of
// the server's own clock.
type booted interface {
	Boot(ctx context.Context) (int64, error)
}

// bootSlack: the boot is the time now minus the uptime; read in one
// statement it is exact, read in two (where information_schema has no
// GLOBAL_STATUS) it may be a second off. A restart moves it by the
// server's whole previous run.
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
	boot, known = r.readBoot(ctx, c)
	return xids, boot, known, nil
}

// readBoot reads c's server's boot; a failure is logged once.
func (r *Recoverer) readBoot(ctx context.Context, c ShardConn) (int64, bool) {
	bc, ok := c.(booted)
	if !ok {
		return 0, false
	}
	b, err := bc.Boot(ctx)
	if err != nil {
		r.bootWarned.Do(func() {
			r.logger.Warn("recovery cannot read a shard's start time; after a shard restart it cannot tell a new connection from a branch's owner, and kills no owner of a branch it listed before", "err", err)
		})
		return 0, false
	}
	return b, true
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
		if p.read[shard] && !listed[k] {
			delete(r.firstBoot, k)
		}
	}
}

// ownerState is what recovery can tell of a branch's owner connection
// from the shard's boots.
type ownerState int

const (
	ownerMayHold ownerState = iota // no restart seen: the bqual's id may be the owner
	ownerGone                      // the shard restarted since the branch was listed
	ownerUnknown                   // listed under a boot, this pass's boot unread
)

// owner tells b's owner connection's state by its shard's boots.
func (r *Recoverer) owner(p *pass, b branch) ownerState {
	r.mu.Lock()
	first, recorded := r.firstBoot[branchKey(b)]
	r.mu.Unlock()
	now, known := p.boot[b.shard]
	switch {
	case !recorded:
		return ownerMayHold
	case !known:
		return ownerUnknown
	case bootsDiffer(first, now):
		return ownerGone
	}
	return ownerMayHold
}

// sameBoot tells whether c's server is still the one this pass scanned on
// shard (a restart in the middle of the pass makes the pass's reads
// another server's); unknown boots count as the same.
func (r *Recoverer) sameBoot(ctx context.Context, p *pass, c ShardConn, shard string) bool {
	then, known := p.boot[shard]
	if !known {
		return true
	}
	now, ok := r.readBoot(ctx, c)
	return !ok || !bootsDiffer(then, now)
}

// bootsDiffer: two boots read are of different server runs.
func bootsDiffer(a, b int64) bool { return a-b > bootSlack || b-a > bootSlack }
