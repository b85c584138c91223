package proxy

import (
	"context"
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// runHandlerUse runs HANDLER name READ or CLOSE on the pinned connection
// where the session opened name (docs/session-state.md, treatment 3); a
// name the session has not opened is MariaDB's 1109, whatever a pooled
// connection may have open under it.
func (s *Session) runHandlerUse(ctx context.Context, st *router.Statement, own func(*backend.Conn) (backend.Pending, error)) error {
	for shard, p := range s.pins {
		if p.handlers[st.Handler] {
			s.cur.route = "single"
			return s.runOn(ctx, shard, st, own)
		}
	}
	return s.writeErr(mysql.NewError(mysql.ER_UNKNOWN_TABLE, fmt.Sprintf("Unknown table '%s' in HANDLER", st.Handler)))
}

// checkHandlerLocks answers MariaDB's 1192 for a HANDLER statement while
// the session holds LOCK TABLES (checked on 10.11; in a transaction HANDLER
// runs).
func (s *Session) checkHandlerLocks(st *router.Statement) error {
	if st.Handler == "" || s.lockedTables == nil {
		return nil
	}
	return mysql.NewError(mysql.ER_LOCK_OR_ACTIVE_TRANSACTION, "Can't execute the given command because you have active locked tables or an active transaction")
}
