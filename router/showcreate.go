package router

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// SHOW CREATE TABLE of a sharded table is its home shard's, whose
// AUTO_INCREMENT= table option is that shard's counter: one server holding
// all the rows prints the table's, past every id given on any shard. The
// proxy reads the shards' counters and writes the highest
// (WithAutoIncrement).

// createAutoInc is the sharded table whose SHOW CREATE TABLE st asks for,
// nil when it is not one spread over several shards.
func createAutoInc(n *ast.ShowStmt, t tableInfo) *AutoIncTable {
	if n.Tp != ast.ShowCreateTable || t.kind != sharding.Sharded || len(t.table.Shards) < 2 {
		return nil
	}
	return &AutoIncTable{Schema: t.schema, Table: t.table.Name}
}

// engineOption is the start of the table options as MariaDB prints them:
// ENGINE=, then AUTO_INCREMENT= when the counter is past 1.
var engineOption = regexp.MustCompile(`^\) ENGINE=[A-Za-z0-9_]+( AUTO_INCREMENT=[0-9]+)?`)

// WithAutoIncrement writes next as the AUTO_INCREMENT= table option of a
// SHOW CREATE TABLE text, where MariaDB prints it (right after ENGINE=,
// when the counter is past 1); only the table options after the last line
// of definitions are read, so a COMMENT holding the same text is left as
// it is, and so is a text without ENGINE= (NO_TABLE_OPTIONS).
func WithAutoIncrement(create string, next uint64) string {
	at := strings.LastIndex(create, "\n) ")
	if at < 0 || next <= 1 {
		return create
	}
	head, opts := create[:at+1], create[at+1:]
	m := engineOption.FindStringSubmatchIndex(opts)
	if m == nil {
		return create
	}
	end := m[1]
	if m[2] >= 0 {
		end = m[2] // the shard's own option, replaced
	}
	return head + opts[:end] + " AUTO_INCREMENT=" + strconv.FormatUint(next, 10) + opts[m[1]:]
}
