package router

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SHOW [FULL] PROCESSLIST and information_schema.PROCESSLIST list the
// proxy's own sessions: a shard's list holds the proxy's pooled
// connections (backend thread ids, other applications' statements), which
// are no client's business. SHOW PROCESSLIST is answered by the proxy
// itself; a query over information_schema.PROCESSLIST runs on a shard with
// the table replaced by a derived table of the sessions, typed as MariaDB
// 10.11's columns, so that MariaDB evaluates WHERE, ORDER BY and
// expressions as on the real table (as for the connect-attribute tables,
// connattrs.go). The column definitions come from the client's own text.

// ProcessRow is one session as the process list shows it.
type ProcessRow struct {
	ID      uint32
	User    string
	Host    string // client address:port
	DB      string // "" shows NULL
	Command string // Query, Execute, Sleep
	TimeUs  int64  // microseconds in the current state
	State   string // "" for a sleeping session
	Info    string // the statement; NoInfo: NULL
	NoInfo  bool
	QueryID uint64
}

// ShowInfoChars is how much of a statement SHOW PROCESSLIST without FULL
// shows (MariaDB's PROCESS_LIST_WIDTH).
const ShowInfoChars = 100

// IsProcessListTable tells whether schema.name (schema "" meaning the
// current database db) is information_schema.PROCESSLIST.
func IsProcessListTable(schema, name, db string) bool {
	if schema == "" {
		schema = db
	}
	return isInformationSchema(schema) && strings.EqualFold(name, "processlist")
}

// ReadsProcessList tells whether st is SHOW [FULL] PROCESSLIST or reads
// information_schema.PROCESSLIST, for a session whose database is db.
func ReadsProcessList(st *Statement, db string) bool {
	if _, ok := ShowProcessList(st); ok {
		return true
	}
	for _, t := range st.Tables {
		if IsProcessListTable(t.Schema, t.Name, db) {
			return true
		}
	}
	return false
}

// ShowProcessList recognises SHOW [FULL] PROCESSLIST.
func ShowProcessList(st *Statement) (full, ok bool) {
	if n, isShow := st.Node.(*ast.ShowStmt); isShow && n.Tp == ast.ShowProcessList {
		return n.Full, true
	}
	return false, false
}

// RewriteProcessList returns the text of st, a query over
// information_schema.PROCESSLIST, with the table replaced by rows and its
// identity calls by the session's values. st.Node is changed in place.
func RewriteProcessList(st *Statement, id Identity, db string, rows []ProcessRow) (string, error) {
	_, sel := st.Node.(*ast.SelectStmt)
	_, union := st.Node.(*ast.SetOprStmt)
	only := len(st.Tables) > 0
	for _, t := range st.Tables {
		if !IsProcessListTable(t.Schema, t.Name, db) {
			only = false
		}
	}
	if !(sel || union) || !only || HasParams(st.Node) || st.Identity&UsesConnectAttrs != 0 {
		return "", errUnsupported("information_schema.PROCESSLIST lists xaproxy's own sessions and is answered only in a SELECT without parameters that reads no other table")
	}
	st.Node.Accept(&processListRewriter{table: processListTable(rows), db: db})
	return RewriteIdentity(st, id)
}

// processListRewriter puts the derived table in place of the real one.
type processListRewriter struct{ table, db string }

func (r *processListRewriter) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (r *processListRewriter) Leave(n ast.Node) (ast.Node, bool) {
	if ts, ok := n.(*ast.TableSource); ok {
		if tn, ok := ts.Source.(*ast.TableName); ok && IsProcessListTable(tn.Schema.O, tn.Name.O, r.db) {
			if ts.AsName.O == "" {
				ts.AsName = tn.Name
			}
			ts.Source = &rawTable{TableName: tn, text: r.table}
		}
	}
	return n, true
}

// processListTable is the derived table of rows, its columns typed as
// MariaDB 10.11's information_schema.PROCESSLIST: ID BIGINT, USER
// VARCHAR(128), HOST, DB, STATE VARCHAR(64), COMMAND VARCHAR(16) and INFO
// LONGTEXT in utf8mb3_general_ci, TIME INT, TIME_MS DECIMAL(22,3), ...,
// INFO_BINARY BLOB. The proxy has no per-session memory, row or thread
// counters: MEMORY_USED, MAX_MEMORY_USED, EXAMINED_ROWS and TID are 0.
func processListTable(rows []ProcessRow) string {
	if len(rows) == 0 {
		return "(" + processListRow(ProcessRow{NoInfo: true}) + " FROM DUAL WHERE 0)"
	}
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = processListRow(r)
	}
	return "(" + strings.Join(parts, " UNION ALL ") + ")"
}

func processListRow(r ProcessRow) string {
	str := func(s string, n int) string {
		return "CAST(" + utf8mb3Literal(s) + " AS CHAR(" + strconv.Itoa(n) + ") CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci"
	}
	db := "CAST(NULL AS CHAR(64) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci"
	if r.DB != "" {
		db = str(r.DB, 64)
	}
	info, infoBin := "CAST(NULL AS CHAR CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci", "CAST(NULL AS BINARY)"
	if !r.NoInfo {
		info = "CAST(" + utf8mb3Literal(r.Info) + " AS CHAR CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci"
		infoBin = "CAST(" + utf8mb3Literal(r.Info) + " AS BINARY)"
	}
	ms := fmt.Sprintf("%d.%03d", r.TimeUs/1000, r.TimeUs%1000)
	return "SELECT CAST(" + strconv.FormatUint(uint64(r.ID), 10) + " AS SIGNED) AS ID, " +
		str(r.User, 128) + " AS USER, " +
		str(r.Host, 64) + " AS HOST, " +
		db + " AS DB, " +
		str(r.Command, 16) + " AS COMMAND, " +
		"CAST(" + strconv.FormatInt(r.TimeUs/1000000, 10) + " AS SIGNED) AS TIME, " +
		str(r.State, 64) + " AS STATE, " +
		info + " AS INFO, " +
		"CAST(" + ms + " AS DECIMAL(22,3)) AS TIME_MS, " +
		"CAST(0 AS SIGNED) AS STAGE, CAST(0 AS SIGNED) AS MAX_STAGE, CAST(0 AS DECIMAL(7,3)) AS PROGRESS, " +
		"CAST(0 AS SIGNED) AS MEMORY_USED, CAST(0 AS SIGNED) AS MAX_MEMORY_USED, CAST(0 AS SIGNED) AS EXAMINED_ROWS, " +
		"CAST(" + strconv.FormatUint(r.QueryID, 10) + " AS SIGNED) AS QUERY_ID, " +
		infoBin + " AS INFO_BINARY, " +
		"CAST(0 AS SIGNED) AS TID"
}
