package router

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// A statement the parser cannot read is still sent, to the default shard,
// so that MariaDB's own syntax keeps working (CAST(x AS INT), INTO
// DUMPFILE, ...). It runs there with the backend account's privileges, so
// what the parsed statement would be refused for must be refused from its
// text: a statement that manages accounts or the server, a SET the proxy
// could not record for the session's other connections, or a table of a
// hidden schema.

// unparsedDenied matches the beginning of such a statement (SET apart:
// unparsedSetAllowed).
var unparsedDenied = regexp.MustCompile(`(?is)^(` +
	`CREATE\s+(OR\s+REPLACE\s+)?(USER|ROLE|SERVER)|DROP\s+(USER|ROLE|SERVER)|ALTER\s+(USER|SERVER)|RENAME\s+USER|GRANT|REVOKE|` +
	`SHUTDOWN|RESTART|FLUSH|RESET|PURGE|CHANGE\s+(MASTER|REPLICATION)|START\s+(SLAVE|REPLICA|ALL\s+SLAVES)|STOP\s+(SLAVE|REPLICA|ALL\s+SLAVES)|` +
	`INSTALL|UNINSTALL|BINLOG|KILL|CACHE\s+INDEX|LOAD\s+INDEX)\b`)

// hiddenSchemaRef matches a table named in a hidden schema (mysql.user,
// `sys`.x), anywhere in the text: string literals too, which only refuses
// more than needed.
var hiddenSchemaRef = regexp.MustCompile("(?i)(^|[^a-z0-9_$`])`?(mysql|performance_schema|sys)`?\\s*\\.")

// CheckUnparsed refuses an unparsed statement that would do on a shard what
// the proxy refuses when it can read the statement.
func CheckUnparsed(st *Statement, user string, served []string) error {
	if st == nil || st.Kind != KindUnparsed || st.Handler != "" {
		return nil
	}
	head := skipCommentsAndSpace(st.SQL)
	if m := unparsedDenied.FindString(head); m != "" {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
			"Access denied: xaproxy cannot parse this statement (%v), and a statement beginning %q manages accounts or the server, or sets what the proxy must record; it is not forwarded", st.ParseErr, m))
	}
	if isKeyword(head, "SET") && !unparsedSetAllowed(head) {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
			"xaproxy cannot parse this SET (%v), so it cannot record what it assigns for the session's other backend connections; it is not forwarded (write it as SET [SESSION] name = value, SET @name = value)", st.ParseErr))
	}
	if m := hiddenSchemaRef.FindStringSubmatch(st.SQL); m != nil {
		return errSchemaDenied(user, m[2], served)
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
