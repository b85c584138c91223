package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/charset"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// MariaDB's cast types that the TiDB parser does not know, each with the
// one it does that means the same (checked on 10.11: same column type,
// same values and warnings): CAST(x AS INT) and CAST(x AS INTEGER) are
// CAST(x AS SIGNED), CONVERT(x, INT) too, and CAST(x AS VARCHAR(n)) is
// CAST(x AS CHAR(n)). The rewritten text is only for the parser: a
// statement routed whole to one shard goes there as the client wrote it,
// and one restored from the parse means the same; select-list items get
// back the client's text, which names their columns.

// castRewrite is one replaced word: at is its offset in the client's
// text, from its length there, to the replacement's.
type castRewrite struct{ at, from, to int }

// castTypesForParser rewrites the cast types above where they stand in a
// cast: after AS or a comma, INT or INTEGER before ')', VARCHAR before '('.
// Literals, quoted names and comments are skipped, read as the session's
// sql_mode reads them (escapes: backslashes escape). false: nothing to
// rewrite.
func castTypesForParser(sql string, escapes bool) (string, []castRewrite, bool) {
	var b strings.Builder
	var edits []castRewrite
	prev := "" // the previous token: an upper-cased word, or a punctuation byte
	for i := 0; i < len(sql); {
		c := sql[i]
		end := i + 1
		switch {
		case c == '\'' || c == '"' || c == '`':
			end = min(skipQuotedIn(sql, i, escapes && c != '`')+1, len(sql))
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end = len(sql)
			if e := strings.Index(sql[i+2:], "*/"); e >= 0 {
				end = i + e + 4
			}
		case c == '#' || (c == '-' && sqllex.IsDashComment(sql[i:])):
			end = len(sql)
			if e := strings.IndexByte(sql[i:], '\n'); e >= 0 {
				end = i + e
			}
		case isBlankOrControl(c):
		case sqllex.IsWordByte(c):
			for end < len(sql) && sqllex.IsWordByte(sql[end]) {
				end++
			}
			w := strings.ToUpper(sql[i:end])
			if to := castTypeFor(w, prev, nextToken(sql[end:])); to != "" {
				edits = append(edits, castRewrite{at: i, from: end - i, to: len(to)})
				b.WriteString(to)
				prev, i = w, end
				continue
			}
			prev = w
		default:
			prev = string(c)
		}
		b.WriteString(sql[i:end])
		i = end
	}
	return b.String(), edits, len(edits) > 0
}

// castTypeFor is the parser's name for word w between the tokens prev and
// next, "" where w is not a cast type to rewrite.
func castTypeFor(w, prev string, next byte) string {
	if prev != "AS" && prev != "," {
		return ""
	}
	switch {
	case (w == "INT" || w == "INTEGER") && next == ')':
		return "SIGNED"
	case w == "VARCHAR" && next == '(':
		return "CHAR"
	}
	return ""
}

// nextToken is the first byte of s after white space and comments.
func nextToken(s string) byte {
	if t := skipCommentsAndSpace(s); t != "" {
		return t[0]
	}
	return 0
}

// restoreFieldTexts gives the select-list items of a statement parsed from
// the rewritten text the client's text back (their column names).
func restoreFieldTexts(n ast.Node, sql string, edits []castRewrite) {
	n.Accept(&fieldTexts{sql: sql, edits: edits})
}

type fieldTexts struct {
	sql   string
	edits []castRewrite
}

func (f *fieldTexts) Enter(n ast.Node) (ast.Node, bool) {
	fld, ok := n.(*ast.SelectField)
	if !ok || fld.Expr == nil || fld.OriginalText() == "" {
		return n, false
	}
	start, end := f.original(fld.Offset), f.original(fld.Offset+len(fld.OriginalText()))
	if start <= end && end <= len(f.sql) {
		fld.SetText(charset.FindEncoding(mysql.DefaultCharset), f.sql[start:end])
	}
	return n, false
}

func (f *fieldTexts) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// original maps an offset in the rewritten text to the client's (offsets
// fall between tokens, never inside a replaced word).
func (f *fieldTexts) original(at int) int {
	shift := 0
	for _, e := range f.edits {
		if e.at+shift+e.to > at {
			break
		}
		shift += e.to - e.from
	}
	return at - shift
}
