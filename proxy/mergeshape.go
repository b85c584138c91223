package proxy

import (
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
)

// mergeShapeError refuses a merge whose shards answered with different
// columns: a table's definition differs between them (a DDL under way on
// a later shard, or applied on some only, and not yet in the catalog,
// whose differences refuse such statements before they run). Merging
// would give one shard's columns with another's rows. nil when they agree.
func mergeShapeError(conns []*backend.Conn, inputs []engine.Rows) error {
	first := -1
	for i, in := range inputs {
		if in == nil {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		if !sameColumns(inputs[first].Columns(), in.Columns()) {
			return errNotSupported(
				"the shards answered this statement with different columns (%s: %s; %s: %s): a table's definition differs between its shards, after a DDL that has not yet run on all of them or failed on some; run it again once they agree (SHOW SHARD CATALOG lists the differences)",
				conns[first].Shard(), columnNames(inputs[first].Columns()), conns[i].Shard(), columnNames(in.Columns()))
		}
	}
	return nil
}

// sameColumns: the same names, types, character sets and signedness,
// which come from the tables' definitions, not from the rows (a MODIFY
// from INT to VARCHAR applied on some shards keeps the name).
func sameColumns(a, b []*mysql.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(a[i].Name) != string(b[i].Name) || a[i].Type != b[i].Type || a[i].Charset != b[i].Charset ||
			a[i].Flag&mysql.UNSIGNED_FLAG != b[i].Flag&mysql.UNSIGNED_FLAG {
			return false
		}
	}
	return true
}

func columnNames(cols []*mysql.Field) string {
	var names []string
	for _, c := range cols {
		if !strings.HasPrefix(string(c.Name), "__xa_") { // the proxy's own sort keys
			names = append(names, string(c.Name))
		}
	}
	return strings.Join(names, ", ")
}
