package router

import "regexp"

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
