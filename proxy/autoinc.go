package proxy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/sequence"
)

// Sharded AUTO_INCREMENT ids come from the server's sequence allocator
// (router/autoinc.go says where they go, docs/auto-increment.md what is
// guaranteed). A table's counter is created on first use above the highest
// id its shards hold, so that tables filled before (a restored dump, a
// proxy without etcd restarted) never get an id twice.

// autoIncIDs is the id source of one bind of the session's statement.
// Binding calls it synchronously, on the session's goroutine, before the
// next bind: the session keeps one source whose context is the latest
// bind's, so that a statement, which mostly needs no id, allocates no
// closure.
func (s *Session) autoIncIDs(ctx context.Context) router.AutoIncIDs {
	if s.autoInc.s == nil {
		s.autoInc.s = s
		s.autoIncFn = s.autoInc.next
	}
	s.autoInc.ctx = ctx
	return s.autoIncFn
}

// autoIncSource gives a session's statement AUTO_INCREMENT ids.
type autoIncSource struct {
	s   *Session
	ctx context.Context // the bind's
}

func (a *autoIncSource) next(schema, table string, n int, seen uint64) (uint64, error) {
	if n > 0 { // n = 0: explicit ids only, which the counter is told of
		if err := a.s.checkAutoIncVars(); err != nil {
			return 0, err
		}
		if err := a.s.srv.resync(a.ctx, router.AutoIncTable{Schema: schema, Table: table}); err != nil {
			return 0, errNotSupported("cannot give an AUTO_INCREMENT id for %s.%s: a statement moved its shards' counters, which cannot be read now (%v); a generated id could repeat one it wrote", schema, table, err)
		}
	}
	first, err := a.s.srv.ids.Next(a.ctx, schema, table, n, seen, a.s.srv.highestID(schema, table))
	if err != nil {
		return 0, errNotSupported("cannot give an AUTO_INCREMENT id for %s.%s: %v", schema, table, err)
	}
	return first, nil
}

// autoIncVars are the session variables that change which ids MariaDB
// gives, with their defaults: the proxy's sequence gives consecutive ids
// only.
var autoIncVars = [...]struct{ name, def string }{
	{"auto_increment_increment", "1"},
	{"auto_increment_offset", "1"},
	{"insert_id", "0"},
}

// checkAutoIncVars refuses to give ids while the session has set one of
// autoIncVars: MariaDB would give others (1, 11, 21 under an increment of
// 10; the value of insert_id first).
func (s *Session) checkAutoIncVars() error {
	for _, v := range autoIncVars {
		if val, ok := s.sessionVar(v.name); ok && val != v.def {
			return errNotSupported("AUTO_INCREMENT ids of a sharded table come from the proxy's sequence, which does not follow %s (set to %s): SET %s = DEFAULT, or give the ids in the statement", v.name, val, v.name)
		}
	}
	return nil
}

// sessionInsertID is the key of the session's insert_id, which every
// statement's end looks at.
const sessionInsertID = "@@session.insert_id"

// settleInsertID reads insert_id back from c after a statement ran there
// while the session had set it: MariaDB gives its value to the next
// statement that generates an AUTO_INCREMENT id and then resets it to 0.
// Kept as it was set, it would be given again on the session's next
// connection (a duplicate key). One round trip, only while it is set.
func (s *Session) settleInsertID(ctx context.Context, c *backend.Conn) {
	if v, ok := s.sessionVarKey(sessionInsertID); !ok || v == "0" || c.Broken() || c.Unstarted() {
		return
	}
	vals, err := readVars(ctx, c, []string{sessionInsertID})
	if err != nil {
		c.MarkBroken() // its state is unknown now
		return
	}
	s.noteVarsOn(c, vals...)
}

// noAutoValueOnZero tells whether the session's sql_mode stores 0 in an
// AUTO_INCREMENT column instead of generating an id.
func (s *Session) noAutoValueOnZero() bool {
	s.readMode()
	return s.noAutoZero
}

// nextAutoID is the next id the server's sequence gives a sharded table;
// 0 when it has given the table none since it started.
func (s *Server) nextAutoID(schema, table string) uint64 {
	next, _ := s.ids.Peek(schema, table)
	return next
}

// highestID reads the highest value of a table's AUTO_INCREMENT column
// over its shards, or the highest their own counters have passed.
func (s *Server) highestID(schema, table string) sequence.Floor {
	return func(ctx context.Context) (uint64, error) {
		def := s.router.Catalog().Table(schema, table)
		if def == nil || def.AutoIncrement() < 0 {
			return 0, fmt.Errorf("no AUTO_INCREMENT column known")
		}
		col := def.Columns[def.AutoIncrement()].Name
		q := fmt.Sprintf("SELECT GREATEST(COALESCE(MAX(%s), 0), 0) FROM %s.%s", quoteIdent(col), quoteIdent(schema), quoteIdent(table))
		top, err := s.maxOverShards(ctx, schema, table, q)
		if err != nil {
			return 0, err
		}
		// The shards' counters too: AUTO_INCREMENT= of a table created
		// on them, ids of deleted rows, which MariaDB does not give again.
		counters, err := s.shardCounters(ctx, schema, table)
		return max(top, counters), err
	}
}

// syncAutoInc raises the sequences of tables to their shards' own
// AUTO_INCREMENT counters after a statement that may have moved them
// (router.Exec.AutoIncSync): MariaDB's next id would follow its counter.
// Counters are not transactional, so this holds after an error or a
// rollback too. A failed read is logged: the statement itself is done.
func (s *Session) syncAutoInc(ctx context.Context, tables []router.AutoIncTable) {
	for _, t := range tables {
		if err := s.srv.raiseToCounters(ctx, t); err != nil {
			s.srv.unsynced.mark(t)
			s.srv.log.Warn("AUTO_INCREMENT sequence not raised to the shards' counters: ids are not given for the table until they are read",
				"schema", t.Schema, "table", t.Table, "err", err)
		}
	}
}

// raiseToCounters raises t's sequence to its shards' counters.
func (s *Server) raiseToCounters(ctx context.Context, t router.AutoIncTable) error {
	top, err := s.shardCounters(ctx, t.Schema, t.Table)
	if err != nil || top == 0 {
		return err
	}
	// The shards' counters are above every id they hold: top is a floor,
	// should the sequence not exist yet.
	_, err = s.ids.Next(ctx, t.Schema, t.Table, 0, top, func(context.Context) (uint64, error) { return top, nil })
	return err
}

// resync raises t's sequence to its shards' counters if a statement moved
// them and they could not be read then (syncAutoInc).
func (s *Server) resync(ctx context.Context, t router.AutoIncTable) error {
	if !s.unsynced.has(t) {
		return nil
	}
	if err := s.raiseToCounters(ctx, t); err != nil {
		return err
	}
	s.unsynced.clear(t)
	return nil
}

// unsyncedTables is a set of tables, safe for concurrent use; n lets the
// INSERTs of a proxy with none skip the lock.
type unsyncedTables struct {
	n      atomic.Int32
	mu     sync.Mutex
	tables map[router.AutoIncTable]bool
}

func (u *unsyncedTables) mark(t router.AutoIncTable) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.tables == nil {
		u.tables = map[router.AutoIncTable]bool{}
	}
	u.tables[t] = true
	u.n.Store(int32(len(u.tables)))
}

func (u *unsyncedTables) has(t router.AutoIncTable) bool {
	if u.n.Load() == 0 {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tables[t]
}

func (u *unsyncedTables) clear(t router.AutoIncTable) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.tables, t)
	u.n.Store(int32(len(u.tables)))
}

// shardCounters is the highest id the shards' own AUTO_INCREMENT counters
// of a table have passed (their next id - 1), 0 if it has none.
func (s *Server) shardCounters(ctx context.Context, schema, table string) (uint64, error) {
	q := fmt.Sprintf("SELECT COALESCE(MAX(AUTO_INCREMENT), 1) - 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
		hexString(schema), hexString(table))
	return s.maxOverShards(ctx, schema, table, q)
}

// maxOverShards is the highest value of the one-value query q over the
// shards holding a table.
func (s *Server) maxOverShards(ctx context.Context, schema, table, q string) (uint64, error) {
	var top uint64
	for _, shard := range s.placement(schema, table) {
		v, err := s.queryUint(ctx, shard, q)
		if err != nil {
			return 0, fmt.Errorf("shard %s: %w", shard, err)
		}
		top = max(top, v)
	}
	return top, nil
}

// hexString is s as a utf8mb4 string literal that no sql_mode reads
// differently.
func hexString(s string) string {
	if s == "" {
		return "''"
	}
	return fmt.Sprintf("CONVERT(X'%x' USING utf8mb4)", s)
}

// queryUint runs a one-value query on a pooled connection of shard.
func (s *Server) queryUint(ctx context.Context, shard, q string) (uint64, error) {
	c, err := s.acquireInternal(ctx, shard)
	if err != nil {
		return 0, err
	}
	defer s.pools[shard].Release(c)
	res, err := c.Exec(ctx, q)
	if err != nil {
		return 0, err
	}
	return res.GetUint(0, 0)
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
