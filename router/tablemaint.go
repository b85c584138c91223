package router

import "regexp"

// CHECK TABLE and REPAIR TABLE, which the TiDB parser does not know, are
// table maintenance like ANALYZE TABLE: read as ANALYZE TABLE of the same
// tables, they route as it does (every shard of a table runs the client's
// own text, their answers, alike, are answered once: proxy/tableadmin.go)
// and commit implicitly as MariaDB does.

const maintName = "(?:`[^`]+`|[A-Za-z0-9_$]+)(?:\\s*\\.\\s*(?:`[^`]+`|[A-Za-z0-9_$]+))?"

var maintHead = regexp.MustCompile(`(?is)^(?:CHECK|REPAIR(?:\s+(?:NO_WRITE_TO_BINLOG|LOCAL))?)\s+TABLES?\s+(` +
	maintName + `(?:\s*,\s*` + maintName + `)*)(?:\s+(?:FOR\s+UPGRADE|QUICK|FAST|MEDIUM|EXTENDED|CHANGED|USE_FRM|FORCE))*[\s;]*$`)

// maintAsAnalyze is the ANALYZE TABLE text that names the tables of a
// CHECK or REPAIR TABLE statement (head: from its first keyword).
func maintAsAnalyze(head string) (string, bool) {
	m := maintHead.FindStringSubmatch(head)
	if m == nil {
		return "", false
	}
	return "ANALYZE TABLE " + m[1], true
}
