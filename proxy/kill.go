package proxy

import (
	"context"
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// kill implements KILL [QUERY|CONNECTION] id for proxy connection ids: the
// statement is cancelled on the shard that runs it, through a separate
// connection, as the mysql CLI does on Ctrl-C.
func (s *Session) kill(ctx context.Context, id uint32, queryOnly bool) error {
	target := s.srv.session(id)
	if target == nil {
		return s.writeErr(mysql.NewError(mysql.ER_NO_SUCH_THREAD, fmt.Sprintf("Unknown thread id: %d", id)))
	}
	if target.user != s.user && !s.admin() {
		return s.writeErr(mysql.NewError(mysql.ER_KILL_DENIED_ERROR, fmt.Sprintf("You are not owner of thread %d", id)))
	}
	if target != s {
		if !queryOnly {
			// As MariaDB's KILL: the connection ends now, and a statement
			// it runs gets no answer ("Lost connection"), not the 1317 its
			// interruption below would give.
			target.closeNow()
		}
		if _, err := target.interrupt(ctx, 0, false); err != nil {
			return s.writeErr(err)
		}
	}
	if target == s {
		// MariaDB 10.11: a session's KILL QUERY of itself interrupts that
		// very statement (1317); its KILL CONNECTION ends it with 1927.
		if queryOnly {
			return s.writeErr(mysql.NewError(mysql.ER_QUERY_INTERRUPTED, "Query execution was interrupted"))
		}
		s.shutdown()
		return s.writeErr(&mysql.MyError{Code: errConnectionKilled, State: "70100", Message: "Connection was killed"})
	}
	if !queryOnly {
		target.shutdown()
	}
	return s.writeOK(0, 0, "")
}

// admin tells whether the session's user has users[].admin: it sees and
// kills every session, as with MariaDB's PROCESS and CONNECTION ADMIN.
func (s *Session) admin() bool { return s.grant != nil && s.grant.Admin }

// errConnectionKilled is MariaDB's ER_CONNECTION_KILLED (SQLSTATE 70100).
const errConnectionKilled = 1927
