package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// Op is what runs a statement: the proxy itself (every op but OpRoute), or
// the shards through a Plan bound to an Exec (OpRoute). It is decided from
// the parsed statement alone, so that the proxy's executor switches on one
// value instead of asking Kind, Node and ConnState in turn.
type Op int

// Statement operations, in the order OpOf tests for them.
const (
	// OpRoute: planned and run on the shards (Plan, Exec).
	OpRoute Op = iota
	// OpKillSelf: KILL [QUERY] CONNECTION_ID(), the session's own id.
	OpKillSelf
	// OpConnectAttrs: a query over the connect-attribute tables, answered
	// from the session's attributes.
	OpConnectAttrs
	OpEmpty   // white space and semicolons only: 1065
	OpComment // comments only: OK
	OpXA      // XA statements: refused
	OpShowXAStatus
	OpBegin
	OpCommit
	OpRollback
	OpUse
	OpSet
	OpShowDatabases
	OpKill         // KILL of another connection id
	OpUnlockTables // UNLOCK TABLES: the session's pinned connections
	// OpSavepoint: SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO, routed like
	// OpRoute when the transaction has at most one branch.
	OpSavepoint
	// OpProcessList: SHOW [FULL] PROCESSLIST or a query over
	// information_schema.PROCESSLIST, answered from the proxy's sessions
	// (processlist.go). Set by the proxy, which knows the current
	// database an unqualified PROCESSLIST is in (ReadsProcessList).
	OpProcessList
	// OpShowStatus: SHOW [GLOBAL | SESSION] STATUS, run on a shard with
	// the Ssl_% rows the proxy's (showstatus.go).
	OpShowStatus
)

var opNames = [...]string{"route", "kill_self", "connect_attrs", "empty", "comment", "xa", "show_xa_status",
	"begin", "commit", "rollback", "use", "set", "show_databases", "kill", "unlock_tables", "savepoint", "processlist", "show_status"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "unknown"
}

// kindOps are the kinds the proxy runs itself whatever the statement says.
var kindOps = map[Kind]Op{
	KindEmpty:         OpEmpty,
	KindComment:       OpComment,
	KindXA:            OpXA,
	KindShowXAStatus:  OpShowXAStatus,
	KindBegin:         OpBegin,
	KindCommit:        OpCommit,
	KindRollback:      OpRollback,
	KindUse:           OpUse,
	KindSet:           OpSet,
	KindShowDatabases: OpShowDatabases,
}

// OpOf is the operation that runs st. The order of the tests is the order
// of precedence: killing the session itself and the connect-attribute
// tables are decided on the client's text, before its identity calls are
// rewritten; the kinds the proxy runs itself come before what the
// statement's node and connection state say.
func OpOf(st *Statement) Op {
	if _, ok := KillsSelf(st); ok {
		return OpKillSelf
	}
	if st.Identity&UsesConnectAttrs != 0 {
		return OpConnectAttrs
	}
	if op, ok := kindOps[st.Kind]; ok {
		return op
	}
	if _, ok := st.Node.(*ast.KillStmt); ok {
		return OpKill
	}
	if st.ConnState == ConnStateUnlockTables {
		return OpUnlockTables
	}
	if st.Kind == KindSavepoint {
		return OpSavepoint
	}
	if _, ok := ShowStatus(st); ok {
		return OpShowStatus
	}
	return OpRoute
}

// KillsSelf recognises KILL [CONNECTION | QUERY] CONNECTION_ID(); query
// says KILL QUERY.
func KillsSelf(st *Statement) (query, ok bool) {
	if k, isKill := st.Node.(*ast.KillStmt); isKill && k.Expr != nil {
		f, isFunc := k.Expr.(*ast.FuncCallExpr)
		return k.Query, isFunc && f.FnName.L == "connection_id" && len(f.Args) == 0
	}
	if st.Kind == KindUnparsed {
		return KillSelf(st.SQL)
	}
	return false, false
}

// UnreadKill: a KILL the parser could not read (KILL ?, a parameter of a
// prepared statement): it must never reach a shard, whose thread ids are
// not the session's.
func UnreadKill(st *Statement) bool {
	return st.Kind == KindUnparsed && isKeyword(skipCommentsAndSpace(st.SQL), "KILL")
}
