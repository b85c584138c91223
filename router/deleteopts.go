package router

import (
	"regexp"
	"slices"
	"strings"
)

// deleteOptionsHead is MariaDB's DELETE with its options (LOW_PRIORITY,
// QUICK, IGNORE) in any order, any of them repeated: its grammar takes a
// list of them. The TiDB parser takes each once, in that order.
var deleteOptionsHead = regexp.MustCompile(`(?is)^DELETE((?:\s+(?:LOW_PRIORITY|QUICK|IGNORE)\b)+)\s`)

// deleteOptionsForParser writes the options of such a DELETE (whose first
// keyword is at offset at in sql) once each, in the parser's order, and
// pads them to their length, so that offsets stay right. ok is false
// where they already are in that order.
func deleteOptionsForParser(sql string, at int) (string, bool) {
	m := deleteOptionsHead.FindStringSubmatchIndex(sql[at:])
	if m == nil {
		return "", false
	}
	from, to := at+m[2], at+m[3]
	given := strings.Fields(strings.ToUpper(sql[from:to]))
	var seg strings.Builder
	for _, w := range []string{"LOW_PRIORITY", "QUICK", "IGNORE"} {
		if slices.Contains(given, w) {
			seg.WriteString(" " + w)
		}
	}
	opts := seg.String()
	if strings.Join(given, " ") == strings.TrimSpace(opts) {
		return "", false
	}
	return sql[:from] + opts + strings.Repeat(" ", to-from-len(opts)) + sql[to:], true
}
