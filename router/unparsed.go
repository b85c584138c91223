package router

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// A statement the parser cannot read is still sent, to the default shard,
// so that MariaDB's own syntax keeps working (SOUNDS LIKE, INTO
// DUMPFILE, ...). It runs there with the backend account's privileges, so
// what the parsed statement would be refused for must be refused from its
// text: a statement that manages accounts or the server, one that begins or
// ends a transaction or table locks, a SET the proxy could not record for
// the session's other connections, or a table of a hidden schema. One that
// may leave state in its connection keeps that connection for the session
// (unparsedMayLeaveState).

// unparsedDenied matches the beginning of such a statement (SET apart:
// unparsedSetAllowed).
var unparsedDenied = regexp.MustCompile(`(?is)^(` +
	`CREATE\s+(OR\s+REPLACE\s+)?(USER|ROLE|SERVER)|DROP\s+(USER|ROLE|SERVER)|ALTER\s+(USER|SERVER)|RENAME\s+USER|GRANT|REVOKE|` +
	`SHUTDOWN|RESTART|FLUSH|RESET|PURGE|CHANGE\s+(MASTER|REPLICATION)|START\s+(SLAVE|REPLICA|ALL\s+SLAVES)|STOP\s+(SLAVE|REPLICA|ALL\s+SLAVES)|` +
	`INSTALL|UNINSTALL|BINLOG|KILL|CACHE\s+INDEX|LOAD\s+INDEX|` +
	// The backend accounts' grants, the servers' engine and replication
	// status (other applications' transactions), another connection's
	// plan (a shard's thread id), every database's statistics.
	`SHOW\s+(GRANTS|CREATE\s+USER|ENGINE|MASTER|SLAVE|REPLICA|BINLOG|BINARY|RELAYLOG|ALL\s+SLAVES|EXPLAIN|ANALYZE|USER_STATISTICS|CLIENT_STATISTICS|TABLE_STATISTICS|INDEX_STATISTICS))\b`)

// unparsedTxControl matches what begins or ends a transaction or table
// locks, which the proxy must know of (it runs them itself when parsed).
var unparsedTxControl = regexp.MustCompile(`(?is)^(START|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|LOCK|UNLOCK|XA)\b`)

// mayLeaveState matches what in a statement's text may leave state in its
// connection: a temporary table or sequence, a user-level lock, a user
// variable assigned, a prepared statement, a handler. Anywhere in the text,
// strings included, which only keeps more connections than needed.
var mayLeaveState = regexp.MustCompile(`(?i)TEMPORARY|GET_LOCK|@|PREPARE|HANDLER|LAST_INSERT_ID\s*\(\s*[^)\s]`)

// unparsedMayLeaveState tells whether an unparsed statement may leave
// state in its connection: the session then keeps that connection (a pin
// that lasts until the session ends, closed then, never reused), so that
// the state is its own, as on MariaDB, and reaches no other session.
// Definitions (CREATE PROCEDURE ... SET @x ...) only store their text: a
// definition statement leaves state only when it creates something
// temporary.
func unparsedMayLeaveState(sql string) bool {
	head := skipCommentsAndSpace(sql)
	if definition.MatchString(head) && !temporaryDefinition.MatchString(head) {
		return false
	}
	return mayLeaveState.MatchString(sql)
}

var (
	definition          = regexp.MustCompile(`(?i)^(CREATE|ALTER|DROP|RENAME)\b`)
	temporaryDefinition = regexp.MustCompile(`(?i)^CREATE\s+(OR\s+REPLACE\s+)?TEMPORARY\b`)
)

// hiddenSchemaRef matches a table named in a hidden schema (mysql.user,
// `sys`.x), anywhere in the text: string literals too, which only refuses
// more than needed.
var hiddenSchemaRef = regexp.MustCompile("(?i)(^|[^a-z0-9_$`])`?(mysql|performance_schema|sys)`?\\s*\\.")

// CheckUnparsed refuses an unparsed statement that would do on a shard what
// the proxy refuses when it can read the statement; served lists the
// user's schemas for the message (called only then: most statements are
// parsed, and the list costs allocations).
func CheckUnparsed(st *Statement, user string, served func() []string) error {
	if st == nil || st.Kind != KindUnparsed || st.Handler != "" {
		return nil
	}
	if err := checkUnparsedHead(skipCommentsAndSpace(st.SQL), st.ParseErr); err != nil {
		return err
	}
	if m := hiddenSchemaRef.FindStringSubmatch(st.SQL); m != nil {
		return errSchemaDenied(user, m[2], served())
	}
	if h := hiddenSchemaIn(st.SQL); h != "" {
		// Read as MariaDB reads it: a comment between the names, or
		// double quotes under ANSI_QUOTES, do not hide it.
		return errSchemaDenied(user, h, served())
	}
	return nil
}

// forClause finds where the statement of a SET STATEMENT ... FOR may begin.
var forClause = regexp.MustCompile(`(?i)\bFOR\s+`)

// checkUnparsedHead checks the statement that begins head. SET STATEMENT
// ... FOR stmt runs stmt: each text after a FOR is checked too (one inside
// a value only refuses more than needed).
func checkUnparsedHead(head string, parseErr error) error {
	if m := unparsedDenied.FindString(head); m != "" {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
			"Access denied: xaproxy cannot parse this statement (%v), and a statement beginning %q manages accounts or the server; it is not forwarded", parseErr, m))
	}
	if m := unparsedTxControl.FindString(head); m != "" {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
			"xaproxy cannot parse this statement (%v), and a statement beginning %q begins or ends a transaction or table locks, which the proxy runs itself; write it in a form the proxy reads (START TRANSACTION [READ ONLY | READ WRITE | WITH CONSISTENT SNAPSHOT], LOCK TABLES t READ | WRITE)", parseErr, m))
	}
	if !isKeyword(head, "SET") {
		return nil
	}
	if !unparsedSetAllowed(head) {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
			"xaproxy cannot parse this SET (%v), so it cannot record what it assigns for the session's other backend connections; it is not forwarded (write it as SET [SESSION] name = value, SET @name = value)", parseErr))
	}
	if isKeyword(strings.TrimLeft(head[len("SET"):], " \t\r\n"), "STATEMENT") {
		for _, at := range forClause.FindAllStringIndex(head, -1) {
			if err := checkUnparsedHead(head[at[1]:], parseErr); err != nil {
				return err
			}
		}
	}
	return nil
}

// unparsedSetAllowed tells the SETs that may go unparsed: SET STATEMENT
// sets variables for its own statement only; SET NAMES and CHARACTER SET
// with a name the parser lacks are run and read back (proxy/set.go).
func unparsedSetAllowed(head string) bool {
	rest := strings.TrimLeft(head[len("SET"):], " \t\r\n")
	for _, kw := range []string{"STATEMENT", "NAMES", "CHARACTER", "CHARSET"} {
		if isKeyword(rest, kw) {
			return true
		}
	}
	return false
}

// Redefines tells whether st may change the schema's definitions (tables,
// views, stored functions): DDL, read or not, after which the catalog is
// read again.
func Redefines(st *Statement) bool {
	if st == nil {
		return false
	}
	if _, ok := st.Node.(ast.DDLNode); ok {
		return true
	}
	return st.Kind == KindUnparsed && definition.MatchString(skipCommentsAndSpace(st.SQL))
}

// packageStatus matches SHOW PACKAGE [BODY] STATUS [LIKE 'x' | WHERE ...],
// which mariadb-dump --routines sends and the parser cannot read (Oracle
// mode's packages). Like SHOW PROCEDURE STATUS it lists mysql.proc of
// the default shard, where the schema's routines live, and reads no
// table of the schemas: it is routed there even with sharded tables. A
// WHERE with parentheses (a subquery) is not taken.
var packageStatus = regexp.MustCompile(`(?is)^SHOW\s+PACKAGE(\s+BODY)?\s+STATUS(\s+LIKE\s+'[^'\\]*'|\s+WHERE\s+[^()\\]*)?[\s;]*$`)

// unparsedListsRoutines tells whether an unparsed statement only lists
// routines (packageStatus).
func unparsedListsRoutines(sql string) bool {
	return packageStatus.MatchString(skipCommentsAndSpace(sql))
}
