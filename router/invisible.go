package router

import (
	"regexp"
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// tableDefHead is the head of a CREATE or ALTER TABLE, where INVISIBLE
// is a column attribute (not a view's SELECT, where it may name a column).
var tableDefHead = regexp.MustCompile(`(?is)^(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?|ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?)TABLE\s`)

// invisibleAsNull writes NULL over each INVISIBLE word of a CREATE TABLE
// or ALTER TABLE, MariaDB's column attribute (10.3), which the TiDB parser
// does not know, so that the definition is planned as the one it
// resembles; the shards run the client's own text, and the catalog learns
// the column is INVISIBLE from them. NULL is an attribute too: where the
// word was a column's name instead the text no longer parses, and the
// statement stays unread. The text keeps its length: offsets stay right.
func invisibleAsNull(sql, head string, m sqllex.Mode) (string, bool) {
	if !tableDefHead.MatchString(head) {
		return "", false
	}
	const word, null = "INVISIBLE", "NULL     "
	var b []byte
	toks := sqllex.Tokens(sql, m, 0)
	for i, t := range toks {
		// Not a name qualified or qualifying (shop.invisible, t.invisible):
		// after a dot any word names something, even NULL.
		dotted := i > 0 && toks[i-1].Is(".") || i+1 < len(toks) && toks[i+1].Is(".")
		if t.Kind == sqllex.Word && strings.EqualFold(t.Text, word) && !dotted {
			if b == nil {
				b = []byte(sql)
			}
			copy(b[t.End-len(word):t.End], null)
		}
	}
	if b == nil {
		return "", false
	}
	return string(b), true
}
