package proxy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// LAST_INSERT_ID() belongs to the session (docs/session-state.md, treatment
// 2), but MariaDB keeps it in the connection that ran the INSERT, which the
// pool then hands to others. The session keeps the value (lastID) and gives
// it to the connection of any statement that reads it. After a statement
// that may have changed a connection's @@last_insert_id (its OK packet
// names an insert id, or it calls LAST_INSERT_ID(expr)) the connection's
// value is read back and compared with the one it had before: the OK
// packet's insert id is not the value (an explicit id shows in the OK
// packet and leaves LAST_INSERT_ID() alone). A connection that stays with
// the session (a branch, a pin) is read only when the value is needed or
// the connection leaves the session (lastIDOn, lastIDPrior).

// errSetsLastIDAcrossShards refuses LAST_INSERT_ID(expr) in a statement
// that runs on several shards: one server keeps the value of the last row
// its scan reached, each shard its own last row's, and which of those is
// the statement's depends on the scan order of the one server.
func errSetsLastIDAcrossShards() error {
	return errNotSupported("LAST_INSERT_ID(expr) in a statement that runs on several shards is not supported: each shard would set it from its own last row; restrict the statement to one shard (its shard key in WHERE), or set it with SELECT LAST_INSERT_ID(expr) from one row")
}

// prepareLastID brings c to where a statement's effect on
// @@last_insert_id can be told, before st runs on it, and returns the
// value c holds then.
func (s *Session) prepareLastID(ctx context.Context, c *backend.Conn, st *router.Statement) (uint64, error) {
	v, known := c.KnownLastInsertID()
	if st == nil {
		return v, nil
	}
	_, insert := st.Node.(*ast.InsertStmt)
	switch {
	case st.LastInsertID != router.LastIDNone:
		// It reads the value, or sets it where it may not (LAST_INSERT_ID(x)
		// in a WHERE that matches nothing): the connection must hold the
		// session's.
		if err := s.giveLastID(ctx, c); err != nil {
			return 0, err
		}
		return s.lastID, nil
	case insert && (!known || v != s.lastID) && s.lastIDOn != c:
		// What c holds after the INSERT tells a generated id only if it
		// held the session's value before: a pooled connection's own may
		// equal the id generated now (the same AUTO_INCREMENT value after a
		// table was recreated). One round trip, on such connections only.
		if err := s.giveLastID(ctx, c); err != nil {
			return 0, err
		}
		return s.lastID, nil
	}
	return v, nil
}

// afterLastID records what a statement that ran on c did to its
// @@last_insert_id; prior is what c held before (prepareLastID), owned
// whether c stays with the session.
func (s *Session) afterLastID(ctx context.Context, c *backend.Conn, st *router.Statement, insertID, prior uint64, owned bool) {
	// INSERT ... RETURNING changes the value as any INSERT, but answers
	// with rows: no OK packet names an insert id.
	if insertID == 0 && (st == nil || st.LastInsertID&router.LastIDSets == 0 && !st.InsertReturning()) {
		return
	}
	if owned {
		if s.lastIDOn != c {
			s.settleLastID(ctx)
			s.lastIDOn, s.lastIDPrior = c, prior
		}
		c.ForgetLastInsertID()
		return
	}
	s.adoptLastID(ctx, c, prior)
}

// adoptLastID reads c's value and makes it the session's if it changed
// from prior.
func (s *Session) adoptLastID(ctx context.Context, c *backend.Conn, prior uint64) {
	c.ForgetLastInsertID()
	r, err := c.Exec(ctx, "SELECT @@last_insert_id LIMIT 1")
	if err != nil {
		return // the connection failed: its value is lost with it
	}
	v, err := r.GetUint(0, 0)
	if err != nil {
		return
	}
	c.SetKnownLastInsertID(v)
	s.takeLastID(v, prior)
}

// takeLastID makes v, read back from a connection that held prior before a
// statement, the session's value if the statement changed it.
func (s *Session) takeLastID(v, prior uint64) {
	if v != prior {
		s.lastID = v
	}
}

// settleLastID reads the pending value of the session's connection that
// holds a newer one, before that connection leaves the session or another
// one needs the value.
func (s *Session) settleLastID(ctx context.Context) {
	c := s.lastIDOn
	if c == nil {
		return
	}
	s.lastIDOn = nil
	if !c.Broken() {
		s.adoptLastID(ctx, c, s.lastIDPrior)
	}
}

// settleLastIDOf is settleLastID when c is the connection that holds it.
func (s *Session) settleLastIDOf(ctx context.Context, c *backend.Conn) {
	if s.lastIDOn == c {
		s.settleLastID(ctx)
	}
}

// forgetFailedInsertID: an INSERT that failed on c may have changed its
// @@last_insert_id all the same (the router writes a generated id as
// LAST_INSERT_ID(id), which the shard evaluates before a foreign key or a
// later row fails), where MariaDB's failed INSERT changes nothing: c's
// value is no longer known, so the next statement that reads it gives it
// the session's first.
func forgetFailedInsertID(c *backend.Conn, st *router.Statement) {
	if st == nil || c.Unstarted() {
		return // a branch whose start was refused: the INSERT did not run
	}
	if _, ok := st.Node.(*ast.InsertStmt); ok {
		c.ForgetLastInsertID()
	}
}

// bindFailed answers a statement whose plan could not be bound; an INSERT
// that ran out of AUTO_INCREMENT ids after giving some keeps the first as
// LAST_INSERT_ID(), as MariaDB's failed INSERT does.
func (s *Session) bindFailed(ctx context.Context, err error) error {
	var rng *router.AutoIncRangeError
	if errors.As(err, &rng) && rng.First != 0 {
		s.settleLastID(ctx) // a value pending on a branch is older
		s.lastID = rng.First
	}
	return s.writeErr(err)
}

// giveLastID makes c answer LAST_INSERT_ID() with the session's value.
func (s *Session) giveLastID(ctx context.Context, c *backend.Conn) error {
	if s.lastIDOn == c {
		return nil
	}
	s.settleLastID(ctx)
	if v, known := c.KnownLastInsertID(); known && v == s.lastID {
		return nil
	}
	c.ForgetLastInsertID()
	if err := c.ExecAll(ctx, "SET last_insert_id = "+strconv.FormatUint(s.lastID, 10)); err != nil {
		return err
	}
	c.SetKnownLastInsertID(s.lastID)
	return nil
}

// lastIDVar is the variable a SET of last_insert_id or identity assigns
// (identity is its other name) and reads back.
const lastIDVar = "@@session.last_insert_id"

func isLastIDVar(name string) bool {
	return strings.EqualFold(name, "last_insert_id") || strings.EqualFold(name, "identity")
}

// takeSetLastID makes the value a SET gave c's last_insert_id, read back
// in vals, the session's LAST_INSERT_ID(), and takes it out of vals: the
// session keeps it itself (lastID) and gives it to the connections that
// need it, where a replayed variable would be reset with DEFAULT, which
// last_insert_id refuses (1230).
func (s *Session) takeSetLastID(c *backend.Conn, vals []backend.Var) ([]backend.Var, error) {
	i := slices.IndexFunc(vals, func(v backend.Var) bool { return v.Name == lastIDVar })
	if i < 0 {
		return vals, nil
	}
	v, err := strconv.ParseUint(vals[i].Value, 10, 64)
	if err != nil {
		return vals, fmt.Errorf("reading back last_insert_id: %q: %w", vals[i].Value, err)
	}
	c.SetKnownLastInsertID(v)
	s.lastID, s.lastIDOn = v, nil // a value pending on the session's connection is replaced
	return slices.Delete(vals, i, i+1), nil
}
