package proxy

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

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
// as a write. A proven read (router/pureread.go) can still write through a
// view's function, so before the commit each reading branch checks, on its
// own connection, that every table the transaction read is a base table
// there (checkReaders): the metadata locks its reads hold keep any of them
// from becoming a view until it ends.

// stmtMarks is what the running statement may do to the branches it
// reaches.
type stmtMarks struct {
	writes bool              // it may change rows
	read   *router.Statement // otherwise the read, when it is a statement a shard runs
	db     string            // the database its unqualified names are in
}

// noteWrites records whether st, starting now, may change rows.
func (s *Session) noteWrites(st *router.Statement) {
	s.marks = stmtMarks{writes: !onlyReads(st)}
	if !s.marks.writes && st.Kind == router.KindPassThrough {
		s.marks.read, s.marks.db = st, s.db
	}
	s.cmdWrites = s.cmdWrites || s.marks.writes
}

// onlyReads: st changes no row on any shard it runs on, unless a table it
// reads is a view (checked at commit). Transaction control, USE and pure
// reads (router.Statement.PureRead) qualify.
func onlyReads(st *router.Statement) bool {
	if st == nil {
		return false
	}
	switch st.Kind {
	case router.KindBegin, router.KindCommit, router.KindRollback, router.KindSavepoint,
		router.KindUse, router.KindShowDatabases, router.KindEmpty, router.KindComment, router.KindShowXAStatus:
		return true
	case router.KindPassThrough:
		return st.PureRead
	}
	return false
}

// markWrites marks c's branch written when the running statement may
// write, and notes the tables it reads otherwise.
func (s *Session) markWrites(c *backend.Conn) {
	if s.tx != nil && s.tx.branches[c.Shard()] == c {
		s.tx.mark(c.Shard(), &s.marks)
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

// mark applies a statement's marks to the branch on shard.
func (t *txn) mark(shard string, m *stmtMarks) {
	if m == nil || m.writes {
		t.markWrote(shard)
		return
	}
	if m.read == nil {
		return
	}
	// The shard must read the text as the proxy did (checkReader).
	if !t.readsRecorded {
		t.readsRecorded, t.readMode = true, m.read.Mode
	} else if t.readMode != m.read.Mode {
		t.readModeMixed = true
	}
	// Every branch checks every table read (a name absent on a shard was
	// not read there): no path can miss a branch's tables.
	for _, r := range m.read.ReadTables {
		q := router.TableRef{Schema: r.In(m.db), Name: r.Name}
		if !slices.Contains(t.readTables, q) {
			t.readTables = append(t.readTables, q)
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

// checkReaders tells whether every table the transaction read is a base
// table on each reader's shard (or absent there), and that each reader's
// connection reads statements as the proxy read them, asked on the
// reader's own connection, in its transaction. Any doubt (an error, a
// view, a sequence, a temporary table, a server whose
// lower_case_table_names is not 0, a sql_mode whose parsing flags differ
// from the ones the reads were parsed with, or ORACLE's) is a no: the
// transaction then commits in two phases.
func checkReaders(ctx context.Context, readers []xa.Branch, t *txn) bool {
	if !t.readsRecorded || t.readModeMixed {
		return false
	}
	q := router.ReadTablesQuery(t.readTables)
	if len(readers) == 1 {
		return checkReader(ctx, readers[0], q, t.readMode)
	}
	// One round trip for all: each reader on its own connection.
	var wg sync.WaitGroup
	var refused atomic.Bool
	for _, b := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !checkReader(ctx, b, q, t.readMode) {
				refused.Store(true)
			}
		}()
	}
	wg.Wait()
	return !refused.Load()
}

// checkReader runs q, router.ReadTablesQuery, on b's connection; mode is
// the parsing flags the transaction's reads were read with.
func checkReader(ctx context.Context, b xa.Branch, q string, mode router.Mode) bool {
	c, ok := b.(*backend.Conn)
	if !ok {
		return false
	}
	res, err := c.Exec(ctx, q)
	if err != nil || res == nil || res.Resultset == nil || len(res.Values) == 0 {
		return false
	}
	if lctn, _ := res.GetString(0, 0); lctn != "0" {
		return false
	}
	// A shard whose sql_mode parses otherwise (another global mode, a
	// statement prepared under another) may have run a call the proxy
	// read as a builtin (COUNT\r(x) without IGNORE_SPACE is a stored
	// function); ORACLE's grammar reads seq.nextval as a call.
	sqlMode, _ := res.GetString(0, 1)
	if router.ModeOf(sqlMode) != mode || modeLists(sqlMode, "ORACLE") {
		return false
	}
	// Any row but a base table refuses, whatever its name: the lookup
	// matches names in any case, and a view so matched may be the one
	// read.
	for i := 1; i < len(res.Values); i++ {
		if kind, _ := res.GetString(i, 2); kind != "BASE TABLE" {
			return false
		}
	}
	return true
}
