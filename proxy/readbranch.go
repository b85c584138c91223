package proxy

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/xa"
)

// A branch on which only reads ran has nothing to commit: a transaction in
// which at most one branch may have changed rows needs no two-phase commit
// and no decision in etcd (xa.Coordinator.CommitReaders). What may change
// rows is decided by statement: a branch is marked written when a
// statement that the proxy cannot prove read-only joins it, runs on it
// (track) or ran on it during the same command (markCommandWrites), so a
// path that misses one mark is caught by another; anything unproven counts
// as a write.

// noteWrites records whether st, starting now, may change rows.
func (s *Session) noteWrites(st *router.Statement) {
	s.writes = !s.onlyReads(st)
	s.cmdWrites = s.cmdWrites || s.writes
}

// onlyReads: st changes no row on any shard it runs on. Transaction
// control, USE and plain reads qualify; a read that calls any function by
// name (a stored function may write, and a builtin is not told apart
// here), or names a view (whose functions may) or a table the catalog does
// not know (created since it was read, or temporary) does not.
func (s *Session) onlyReads(st *router.Statement) bool {
	if st == nil {
		return false
	}
	switch st.Kind {
	case router.KindBegin, router.KindCommit, router.KindRollback, router.KindSavepoint,
		router.KindUse, router.KindShowDatabases, router.KindEmpty, router.KindComment, router.KindShowXAStatus:
		return true
	case router.KindPassThrough:
	default:
		return false
	}
	switch st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return false
	}
	if len(st.Funcs) > 0 {
		return false
	}
	cat := s.srv.router.Catalog()
	if len(st.Tables) > 0 && (cat == nil || len(cat.Failed()) > 0) {
		return false
	}
	for _, t := range st.Tables {
		tb := cat.Table(t.In(s.db), t.Name)
		if tb == nil || tb.View {
			return false
		}
	}
	return true
}

// markWrites marks c's branch written when the running statement may
// write.
func (s *Session) markWrites(c *backend.Conn) {
	if s.tx != nil && s.writes && s.tx.branches[c.Shard()] == c {
		s.tx.markWrote(c.Shard())
	}
}

// markCommandWrites marks written every branch the command ran on, when
// one of its statements may write.
func (s *Session) markCommandWrites() {
	if s.tx == nil || !s.cmdWrites {
		return
	}
	for _, shard := range s.cur.shards {
		if _, ok := s.tx.branches[shard]; ok {
			s.tx.markWrote(shard)
		}
	}
}

func (t *txn) markWrote(shard string) {
	if t.wrote == nil {
		t.wrote = map[string]bool{}
	}
	t.wrote[shard] = true
}

// oneWriter splits a transaction's branches into the one that may have
// written (nil if none) and those that only read; ok is false when more
// than one may have written.
func (t *txn) oneWriter(branches []xa.Branch) (writer xa.Branch, readers []xa.Branch, ok bool) {
	for _, b := range branches {
		if !t.wrote[b.Shard()] {
			readers = append(readers, b)
			continue
		}
		if writer != nil {
			return nil, nil, false
		}
		writer = b
	}
	return writer, readers, true
}
