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

// blankedHead blanks the first group of re's match in sql (whose first
// keyword is at offset at), a word the TiDB parser does not know, so that
// the statement is planned as the one it resembles: OR REPLACE goes to the
// shards of the CREATE (they run the client's own text: drop, then
// create), EXTENDED to the shard of the EXPLAIN. The text keeps its
// length: offsets stay right.
func blankedHead(re *regexp.Regexp, sql string, at int) (string, bool) {
	m := re.FindStringSubmatchIndex(sql[at:])
	if m == nil {
		return "", false
	}
	return sql[:at+m[2]] + strings.Repeat(" ", m[3]-m[2]) + sql[at+m[3]:], true
}

// explainWordHead is MariaDB's EXPLAIN EXTENDED and EXPLAIN PARTITIONS
// (old forms that add a column) of a statement, which the TiDB parser
// does not know; not DESC extended, a table of that name.
var explainWordHead = regexp.MustCompile(`(?is)^(?:EXPLAIN|DESCRIBE|DESC)\s+(EXTENDED|PARTITIONS)\s+(?:SELECT|INSERT|REPLACE|UPDATE|DELETE|WITH|VALUES|TABLE|\()`)
