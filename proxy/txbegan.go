package proxy

import (
	"context"
	"strconv"
	"strings"

	"github.com/xaproxy/xaproxy/backend"
)

// MariaDB fixes a transaction's isolation level and access mode when it
// begins: SET SESSION TRANSACTION inside it sets them for the next one
// (10.11: BEGIN; SET SESSION TRANSACTION READ ONLY; INSERT runs). The
// proxy opens a branch when a statement first reaches its shard, on a
// connection that carries the session's variables as they are then, so a
// branch opened after such a SET is told the values the transaction began
// with.

// sessionChars is the session's own isolation level (@@tx_isolation as
// set, "" for the server's default) and access mode.
type sessionChars struct {
	known     bool // recorded when the transaction began (takeTxChars)
	isolation string
	readOnly  bool
}

// sessionChars returns the session's characteristics now.
func (s *Session) sessionChars() sessionChars {
	c := sessionChars{known: true, readOnly: s.sessionReadOnly()}
	for _, name := range []string{"@@session.tx_isolation", "@@session.transaction_isolation"} {
		if v, ok := s.vars.Get(name); ok {
			c.isolation = v
		}
	}
	return c
}

// branchChars is the isolation level ("": the session's) and access mode
// (nil: the session's) a branch of the transaction opening now on c must
// have: the transaction's own, else the session's as they were when it
// began.
func (s *Session) branchChars(ctx context.Context, c *backend.Conn) (string, *bool, error) {
	isolation, readOnly := s.tx.took.isolation, s.tx.took.readOnly
	began := s.tx.began
	if !began.known {
		return isolation, readOnly, nil
	}
	now := s.sessionChars()
	if readOnly == nil && now.readOnly != began.readOnly {
		ro := began.readOnly
		readOnly = &ro
	}
	if isolation == "" && now.isolation != began.isolation {
		if began.isolation == "" {
			// The server's default, which the session had then.
			r, err := c.Exec(ctx, "SELECT @@global.tx_isolation LIMIT 1")
			if err != nil {
				return "", nil, err
			}
			v, err := r.GetString(0, 0)
			if err != nil {
				return "", nil, err
			}
			isolation = isolationLevel(v)
		} else if level, ok := levelName(began.isolation); ok {
			isolation = level
		}
	}
	return isolation, readOnly, nil
}

// levelName turns a value of @@tx_isolation as the session set it
// ('READ-COMMITTED', or its number) into what SET TRANSACTION takes.
func levelName(v string) (string, bool) {
	// In the order of @@tx_isolation's numeric values.
	levels := [...]string{"READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}
	level := strings.ToUpper(isolationLevel(v))
	for i, l := range levels {
		if level == l || level == strconv.Itoa(i) {
			return l, true
		}
	}
	return "", false
}

// beganReadOnly: the transaction, of no access mode of its own, began
// under a READ ONLY session default that the session has left since. Its
// branches' connections now carry READ WRITE, so the proxy refuses its
// writes itself (checkReadOnly); while the session is still READ ONLY the
// shards do.
func (s *Session) beganReadOnly() bool {
	return s.tx.took.readOnly == nil && s.tx.began.known && s.tx.began.readOnly && !s.sessionReadOnly()
}

// leftPending is what tx, ended by SET autocommit = 1 rather than COMMIT
// or ROLLBACK, leaves for the next transaction: MariaDB 10.11 resets a
// transaction's characteristics to the session's only at COMMIT and
// ROLLBACK, so the next one has what tx took, and where the session has
// changed its own since tx began, the values tx began with (checked:
// SET autocommit = 0; INSERT; SET SESSION TRANSACTION READ ONLY; SET
// autocommit = 1; the next INSERT runs, the one after gets 1792). A level
// that was the server's default is not named here: the session's new one
// applies.
func (s *Session) leftPending(tx *txn) txChars {
	took := tx.took
	if !tx.began.known {
		return took
	}
	now := s.sessionChars()
	if took.readOnly == nil && now.readOnly != tx.began.readOnly {
		ro := tx.began.readOnly
		took.readOnly = &ro
	}
	if took.isolation == "" && now.isolation != tx.began.isolation {
		if level, ok := levelName(tx.began.isolation); ok {
			took.isolation = level
		}
	}
	return took
}
