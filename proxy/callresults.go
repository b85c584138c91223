package proxy

import (
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/router"
)

// A client that did not set CLIENT_MULTI_RESULTS cannot read a CALL's
// result sets: MariaDB refuses, before running it, the CALL of a procedure
// whose body may return one (1312, "PROCEDURE p can't return a result set
// in the given context"), and runs the others. The shards' connections
// set the flag, so a shard would run either and send the rows, which such
// a client reads out of step. The proxy cannot tell ahead which procedure
// may return rows: it refuses every CALL from such a client.

// checkCallResults refuses a CALL from a client without
// CLIENT_MULTI_RESULTS (which CLIENT_MULTI_STATEMENTS at login implies,
// as MariaDB takes it).
func (s *Session) checkCallResults(st *router.Statement) error {
	if _, call := st.Node.(*ast.CallStmt); !call || s.conn == nil || s.conn.Capability()&(mysql.CLIENT_MULTI_RESULTS|mysql.CLIENT_MULTI_STATEMENTS) != 0 {
		return nil
	}
	return errNotSupported("CALL from a client that did not set CLIENT_MULTI_RESULTS is not supported: MariaDB refuses such a CALL of a procedure that may return result sets (1312) before it runs, which xaproxy cannot tell ahead; connect with CLIENT_MULTI_RESULTS, as current drivers do")
}
