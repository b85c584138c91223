package proxy

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// checkLockedWrite refuses a write that spans shards while the session
// holds LOCK TABLES: the proxy makes such a write atomic with XA, and
// MariaDB refuses XA START under LOCK TABLES (1400 XAER_OUTSIDE, which
// says nothing of the cause). A restore of mariadb-dump's output meets it
// when an extended INSERT holds rows of several shards.
func (s *Session) checkLockedWrite(ex *router.Exec) error {
	locked := false
	for _, p := range s.pins {
		locked = locked || p.locked
	}
	if !locked {
		return nil
	}
	for _, p := range ex.Parts[1:] {
		if p.Shard != ex.Parts[0].Shard {
			return errNotSupported("a write whose rows go to several shards is not supported while LOCK TABLES is in effect " +
				"(it would need XA, which MariaDB refuses under LOCK TABLES): UNLOCK TABLES first, write one shard's rows per statement, " +
				"or restore a mariadb-dump made with --skip-add-locks")
		}
	}
	return nil
}

// checkLockedTables answers 1100 for a table LOCK TABLES did not lock, as
// MariaDB does, when the session holds table locks: the statement may be
// routed to a shard where the session locked nothing (a sharded table),
// which would run it. Temporary tables and information_schema need no
// lock; DDL is left to the shard.
func (s *Session) checkLockedTables(st *router.Statement) error {
	switch {
	case s.lockedTables == nil || st.ImplicitCommit:
		return nil
	case st.ConnState == router.ConnStateLockTables, st.ConnState == router.ConnStateUnlockTables, st.ConnState == router.ConnStateTempCreate,
		st.ConnState == router.ConnStateTempDrop:
		// CREATE and DROP TEMPORARY TABLE run under LOCK TABLES (MariaDB
		// 10.11: dropping one that does not exist is 1051, not 1100).
		return nil
	}
	for _, t := range st.Tables {
		key := s.tableKey(t)
		if s.lockedTables[key] || strings.EqualFold(t.Schema, "information_schema") || s.allTemporary([]router.TableRef{t}) {
			continue
		}
		return mysql.NewError(mysql.ER_TABLE_NOT_LOCKED, fmt.Sprintf("Table '%s' was not locked with LOCK TABLES", t.Name))
	}
	return nil
}

// noteLockedTables records the tables a LOCK TABLES that succeeded locked
// (nil: none, after UNLOCK TABLES or a statement that released them).
func (s *Session) noteLockedTables(st *router.Statement) {
	s.lockedTables = map[string]bool{}
	for _, t := range st.Tables {
		s.lockedTables[s.tableKey(t)] = true
	}
}
