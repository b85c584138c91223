package router

import (
	"regexp"
	"strings"
)

// The TiDB parser knows CREATE [OR REPLACE] VIEW but not MariaDB's ALTER
// VIEW nor CREATE VIEW IF NOT EXISTS. Both are planned as the CREATE
// [OR REPLACE] VIEW they resemble (the shards run the client's own text,
// and answer for the differences: ALTER of a missing view, IF NOT EXISTS
// of an existing one).
var (
	viewHead       = `((?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?VIEW\s)`
	alterViewRe    = regexp.MustCompile(`(?is)^ALTER\s+` + viewHead)
	viewIfNotExist = regexp.MustCompile(`(?is)^(CREATE\s+(?:OR\s+REPLACE\s+)?` + viewHead[1:] + `\s*IF\s+NOT\s+EXISTS\s`)
)

// viewAsCreate rewrites ALTER VIEW and CREATE VIEW IF NOT EXISTS (head is
// the statement from its first keyword) into text the parser knows.
func viewAsCreate(head string) (string, bool) {
	if m := alterViewRe.FindStringSubmatchIndex(head); m != nil {
		return "CREATE OR REPLACE " + head[m[2]:], true
	}
	if m := viewIfNotExist.FindStringSubmatchIndex(head); m != nil {
		return head[m[2]:m[3]] + " " + head[m[1]:], true
	}
	return "", false
}

// orReplaceHead is MariaDB's CREATE OR REPLACE of a table or an index,
// which the TiDB parser does not know.
var orReplaceHead = regexp.MustCompile(`(?is)^CREATE\s+(OR\s+REPLACE)\s+(?:TEMPORARY\s+)?(?:TABLE|(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX)\s`)

// orReplaceAsCreate blanks the OR REPLACE of such a statement (sql, whose
// first keyword is at offset at), so that it is planned as the CREATE it
// resembles: it goes to the same shards, which run the client's own text
// (drop, then create). The text keeps its length: offsets stay right.
func orReplaceAsCreate(sql string, at int) (string, bool) {
	m := orReplaceHead.FindStringSubmatchIndex(sql[at:])
	if m == nil {
		return "", false
	}
	return sql[:at+m[2]] + strings.Repeat(" ", m[3]-m[2]) + sql[at+m[3]:], true
}
