package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// valueFuncAsValues rewrites MariaDB's VALUE(col), the synonym of
// VALUES(col) in ON DUPLICATE KEY UPDATE, which the TiDB parser does not
// know, so that the statement can be parsed and routed. Only an INSERT or
// REPLACE, only after ON DUPLICATE KEY UPDATE, only outside literals,
// quoted names and comments. The text is for the parser: a shard still
// receives the client's statement, or one restored from the parse (which
// writes VALUES, the same function).
func valueFuncAsValues(sql string) (string, bool) {
	head := skipCommentsAndSpace(sql)
	if !isKeyword(head, "INSERT") && !isKeyword(head, "REPLACE") {
		return "", false
	}
	var words []string // the last four words, upper-cased
	upsert, changed := false, false
	var b strings.Builder
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			end := min(skipQuoted(sql, i)+1, len(sql))
			b.WriteString(sql[i:end])
			i = end
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := len(sql)
			if e := strings.Index(sql[i+2:], "*/"); e >= 0 {
				end = i + e + 4
			}
			b.WriteString(sql[i:end])
			i = end
			continue
		case c == '#' || (c == '-' && sqllex.IsDashComment(sql[i:])):
			end := len(sql)
			if e := strings.IndexByte(sql[i:], '\n'); e >= 0 {
				end = i + e
			}
			b.WriteString(sql[i:end])
			i = end
			continue
		case sqllex.IsWordByte(c):
			j := i
			for j < len(sql) && sqllex.IsWordByte(sql[j]) {
				j++
			}
			w := strings.ToUpper(sql[i:j])
			afterDot := i > 0 && sql[i-1] == '.'
			if upsert && w == "VALUE" && !afterDot && strings.HasPrefix(strings.TrimLeft(sql[j:], " \t\r\n"), "(") {
				b.WriteString(sql[i:j] + "S")
				changed = true
			} else {
				b.WriteString(sql[i:j])
			}
			words = append(words, w)
			if len(words) > 4 {
				words = words[1:]
			}
			if strings.Join(words, " ") == "ON DUPLICATE KEY UPDATE" {
				upsert = true
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), changed
}
