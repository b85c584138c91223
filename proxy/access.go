package proxy

import (
	"fmt"
	"net"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/router"
)

// Schema access: users[].schemas restricts the logical schemas a user
// sees (SHOW DATABASES) and uses (handshake database, USE, COM_INIT_DB,
// qualified table names, CREATE/DROP DATABASE). A session keeps the grant
// it logged in with; a reload changes it for new logins.

// restricted tells whether the session's user may use only some schemas.
func (s *Session) restricted() bool { return s.grant != nil && len(s.grant.Schemas) > 0 }

// canUse tells whether the session's user may use database name.
// information_schema stays readable, as in MySQL, for client libraries.
func (s *Session) canUse(name string) bool {
	return !s.restricted() || strings.EqualFold(name, "information_schema") || s.grant.CanUse(name)
}

// errDBAccess is MySQL's answer for a database the user has no grant on,
// whether or not it exists (so that names are not revealed).
func (s *Session) errDBAccess(name string) error {
	return mysql.NewError(mysql.ER_DBACCESS_DENIED_ERROR, fmt.Sprintf(
		"Access denied for user '%s' to database '%s': xaproxy users[].schemas grants %s", s.user, name, strings.Join(s.grant.Schemas, ", ")))
}

// checkSchema validates a database the client wants to use.
func (s *Session) checkSchema(name string) error {
	if !s.canUse(name) {
		return s.errDBAccess(name)
	}
	return s.srv.router.CheckSchema(s.user, name)
}

// checkTables refuses statements naming a schema the user may not use.
// Unqualified tables are in the current database, which was checked when
// it was chosen.
func (s *Session) checkTables(st *router.Statement) error {
	if !s.restricted() {
		return nil
	}
	if d := st.Routine; d != nil {
		if !st.ReadOnly {
			// A body runs as the backend account: it could reach schemas
			// the user may not use.
			return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
				"Access denied: user '%s' may use only %s, and a routine's or trigger's body runs as xaproxy's backend account, which may reach other schemas; definitions are refused to users restricted by users[].schemas",
				s.user, strings.Join(s.grant.Schemas, ", ")))
		}
		if schema := d.Schema; schema != "" && !s.canUse(schema) {
			return s.errDBAccess(schema) // SHOW CREATE of another schema's
		}
		return nil
	}
	if st.Kind == router.KindUnparsed {
		return mysql.NewError(mysql.ER_PARSE_ERROR, fmt.Sprintf(
			"xaproxy cannot parse this statement, so it cannot check which databases it uses, and user '%s' may use only %s (%v)",
			s.user, strings.Join(s.grant.Schemas, ", "), st.ParseErr))
	}
	for _, t := range st.Tables {
		if t.Schema != "" && !s.canUse(t.Schema) {
			return s.errDBAccess(t.Schema)
		}
	}
	for _, f := range st.Funcs {
		// A routine of another schema (CALL crm.p(), crm.f()): builtins
		// are never qualified.
		if f.Schema != "" && !s.canUse(f.Schema) {
			return s.errDBAccess(f.Schema)
		}
	}
	return nil
}

// visibleSchemas lists the logical schemas the user sees.
func (s *Session) visibleSchemas() []string {
	var out []string
	for _, name := range s.srv.router.Rules().SchemaNames() {
		if s.canUse(name) {
			out = append(out, name)
		}
	}
	return out
}

// checkPrivileges enforces the user's own privileges before anything
// reaches a shard: file access (the backend account's FILE privilege must
// not become every user's) and read-only users.
func (s *Session) checkPrivileges(st *router.Statement) error {
	if s.grant == nil {
		return nil
	}
	if what := router.FileAccess(st); what != "" && !s.grant.FileAccess {
		s.srv.log.Info("file access refused", "user", s.user, "remote", s.remote, "what", what)
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
			"Access denied; you need (at least one of) the FILE privilege(s) for this operation: %s reads or writes files on a shard's server, which xaproxy allows only to users with users[].file_access: true", what))
	}
	if s.grant.ReadOnly && writes(st) {
		return mysql.NewError(mysql.ER_TABLEACCESS_DENIED_ERROR, fmt.Sprintf(
			"%s command denied to user '%s'@'%s': user %s is read-only (xaproxy users[].read_only)", strings.ToUpper(stmtType(st)), s.user, s.host(), s.user))
	}
	return nil
}

// writes tells whether a statement may change data, definitions or locks.
// Locking reads and SELECT ... INTO @var only read (MariaDB asks for the
// SELECT privilege alone); EXPLAIN ANALYZE runs its statement.
func writes(st *router.Statement) bool {
	switch st.Kind {
	case router.KindUnparsed:
		// What it does cannot be told, but for the definitions read from
		// their heads (SHOW CREATE FUNCTION reads).
		return st.Routine == nil || !st.ReadOnly
	case router.KindPassThrough:
	default:
		return false
	}
	switch n := st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.ShowStmt:
		return false
	case *ast.ExplainStmt:
		return n.Analyze
	}
	return true
}

// host is the client's address without its port, as MariaDB names it in
// access errors.
func (s *Session) host() string {
	if h, _, err := net.SplitHostPort(s.remote); err == nil {
		return h
	}
	return s.remote
}

// checkShow refuses the SHOW statements that describe the backend accounts
// or the backend servers' internals rather than the session's data: their
// grants (the backend account's, not the proxy user's), and the engine and
// replication status (other applications' transactions and statements,
// which MariaDB shows only with PROCESS or REPLICATION privileges).
func checkShow(n *ast.ShowStmt) error {
	switch n.Tp {
	case ast.ShowGrants, ast.ShowCreateUser:
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, "Access denied: SHOW GRANTS and SHOW CREATE USER would describe the backend account; xaproxy users and their rights live in its configuration (users[])")
	case ast.ShowMasterStatus, ast.ShowBinlogStatus, ast.ShowReplicaStatus:
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, "Access denied; you need (at least one of) the REPLICATION CLIENT privilege(s) for this operation: replication status is the backend servers', not shown through xaproxy")
	}
	return nil
}
