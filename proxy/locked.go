package proxy

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// checkLockedTables answers 1100 for a table LOCK TABLES did not lock, as
// MariaDB does, when the session holds table locks: the statement may be
// routed to a shard where the session locked nothing (a sharded table),
// which would run it. Temporary tables and information_schema need no
// lock; DDL is left to the shard.
func (s *Session) checkLockedTables(st *router.Statement) error {
	switch {
	case s.lockedTables == nil || st.ImplicitCommit || router.ShowFromInfoSchema(st):
		// SHOW TABLES, COLUMNS, INDEX, EVENTS ... read information_schema,
		// which needs no lock (mariadb-dump --events runs SHOW EVENTS
		// under its LOCK TABLES).
		return nil
	case st.ConnState == router.ConnStateLockTables, st.ConnState == router.ConnStateUnlockTables, st.ConnState == router.ConnStateTempCreate,
		st.ConnState == router.ConnStateTempDrop:
		// CREATE and DROP TEMPORARY TABLE run under LOCK TABLES (MariaDB
		// 10.11: dropping one that does not exist is 1051, not 1100).
		return nil
	}
	for _, t := range st.Tables {
		key := s.tableKey(t)
		if t.Name == "" || s.lockedTables[key] || strings.EqualFold(t.Schema, "information_schema") || s.allTemporary([]router.TableRef{t}) {
			// A schema (SHOW CREATE DATABASE) is no table.
			continue
		}
		if router.ChangesRows(st) && s.readOnlyNow() && s.refusedReadOnly(st, true) {
			// MariaDB refuses the write in a READ ONLY transaction as it
			// opens the statement's first table, before finding it unlocked
			// (10.11: 1792, not 1100). The shard would not see it.
			return errReadOnlyTx()
		}
		return mysql.NewError(mysql.ER_TABLE_NOT_LOCKED, fmt.Sprintf("Table '%s' was not locked with LOCK TABLES", t.Name))
	}
	return nil
}

// noteLockedTables records the tables a LOCK TABLES that succeeded locked
// (nil: none, after UNLOCK TABLES or a statement that released them).
func (s *Session) noteLockedTables(st *router.Statement) {
	if !s.autocommit && s.tx == nil {
		// With autocommit=0, LOCK TABLES starts a transaction on MariaDB
		// (InnoDB registers it as it locks): SET TRANSACTION is then 1568.
		s.tx = s.newTxn(false)
		s.takeTxChars(s.tx)
		s.tx.started = true
	}
	s.lockedTables = map[string]bool{}
	for _, t := range st.Tables {
		s.lockedTables[s.tableKey(t)] = true
	}
}

// A transaction under LOCK TABLES (autocommit=0, then LOCK TABLES, then
// statements: MariaDB's documented way to use both) cannot be an XA branch:
// MariaDB refuses XA START while the connection holds table locks (1400).
// It runs as MariaDB runs it, a plain transaction on the locked connection
// (autocommit=0 there for its length), committed or rolled back one-phase;
// it may not spread to another shard.

// localBranch makes c, the session's locked pin on shard, the transaction's
// plain branch.
func (s *Session) localBranch(shard string, c *backend.Conn) (*backend.Conn, bool, error) {
	if len(s.tx.order) > 0 && (!s.tx.perStatement || s.tx.local == "") {
		return nil, false, errLockedTxSpreads(s.tx.order[0], shard)
	}
	// Its isolation level is not set: MariaDB refuses SET TRANSACTION on
	// a connection under LOCK TABLES (1568), and the table locks keep
	// other sessions' changes out whatever the level.
	// The transaction starts with the statement, as on MariaDB.
	c.StartWith("SET autocommit = 0")
	if s.tx.local == "" {
		s.tx.local = shard
	}
	s.tx.add(shard, c)
	return c, true, nil
}

// errLockedTxSpreads refuses a transaction under LOCK TABLES that would
// reach a second shard.
func errLockedTxSpreads(locked, other string) error {
	return errNotSupported("a transaction under LOCK TABLES runs on the shard holding the locks (%s), where MariaDB refuses XA: it cannot also write or read on shard %s; commit it and UNLOCK TABLES first", locked, other)
}
