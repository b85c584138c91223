package proxy

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// The SQL prepared-statement commands (PREPARE, EXECUTE, DEALLOCATE
// PREPARE, DROP PREPARE, EXECUTE IMMEDIATE) are read here, without the TiDB
// parser: it accepts only user variables after USING, where MariaDB 10.11
// takes literals and expressions too.

// sqlPrepOp is which SQL prepared-statement command a query is.
type sqlPrepOp int

const (
	opPrepare sqlPrepOp = iota + 1
	opExecute
	opDeallocate
	opImmediate
)

// sqlPrepCmd is a parsed SQL prepared-statement command.
type sqlPrepCmd struct {
	op   sqlPrepOp
	name string // the statement's name as written (not for EXECUTE IMMEDIATE)
	// src is what PREPARE or EXECUTE IMMEDIATE prepares, as written: a
	// quoted string literal or a user variable (@name).
	src string
	// using holds the texts of the USING values, as written.
	using []string
	// err is a syntax error in the command itself.
	err error
}

// parseSQLPrepare recognises a SQL prepared-statement command; ok is false
// for any other statement.
func parseSQLPrepare(sql string) (cmd sqlPrepCmd, ok bool) {
	s := router.SkipComments(sql)
	var op sqlPrepOp
	switch {
	case isWord(s, "PREPARE"):
		op, s = opPrepare, s[len("PREPARE"):]
	case isWord(s, "EXECUTE"):
		op, s = opExecute, s[len("EXECUTE"):]
	case isWord(s, "DEALLOCATE"), isWord(s, "DROP"):
		n := strings.IndexAny(s, " \t\r\n")
		if n < 0 {
			return sqlPrepCmd{}, false
		}
		rest := strings.TrimLeft(s[n:], " \t\r\n")
		if !isWord(rest, "PREPARE") {
			return sqlPrepCmd{}, false
		}
		op, s = opDeallocate, rest[len("PREPARE"):]
	default:
		return sqlPrepCmd{}, false
	}
	s = strings.TrimRight(s, " \t\r\n;")
	cmd.op = op
	sc := &cmdScanner{s: s}
	sc.space()
	if op == opExecute && isWord(sc.rest(), "IMMEDIATE") {
		after := &cmdScanner{s: sc.rest()[len("IMMEDIATE"):]}
		after.space()
		// EXECUTE immediate [USING ...] runs a statement named immediate.
		if r := after.rest(); r != "" && !isWord(r, "USING") {
			cmd.op = opImmediate
			sc = after
		}
	}
	if cmd.op != opImmediate {
		name, ok := sc.ident()
		if !ok {
			return syntaxErr(cmd, sc.rest()), true
		}
		cmd.name = name
		sc.space()
	}
	if cmd.op == opPrepare {
		if !sc.word("FROM") {
			return syntaxErr(cmd, sc.rest()), true
		}
		sc.space()
	}
	if cmd.op == opPrepare || cmd.op == opImmediate {
		src, ok := sc.source()
		if !ok {
			if sc.rest() != "" && !strings.HasPrefix(sc.rest(), "'") && !strings.HasPrefix(sc.rest(), "\"") {
				// MariaDB takes any expression here.
				cmd.err = errNotSupported("%s takes a string literal or a user variable through xaproxy, not %s: assign it to a user variable first",
					map[sqlPrepOp]string{opPrepare: "PREPARE ... FROM", opImmediate: "EXECUTE IMMEDIATE"}[cmd.op], truncateSQL(sc.rest(), 80))
				return cmd, true
			}
			return syntaxErr(cmd, sc.rest()), true
		}
		cmd.src = src
		sc.space()
	}
	if (cmd.op == opExecute || cmd.op == opImmediate) && sc.word("USING") {
		sc.space()
		using, ok := splitList(sc.rest())
		if !ok {
			return syntaxErr(cmd, sc.rest()), true
		}
		cmd.using = using
		sc.pos = len(sc.s)
	}
	if sc.rest() != "" {
		return syntaxErr(cmd, sc.rest()), true
	}
	return cmd, true
}

// syntaxErr is MariaDB's 1064 for the text near where reading stopped.
func syntaxErr(cmd sqlPrepCmd, near string) sqlPrepCmd {
	cmd.err = mysql.NewError(mysql.ER_PARSE_ERROR, fmt.Sprintf(
		"You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '%s' at line 1",
		truncateSQL(near, 80)))
	return cmd
}

// isWord tells whether s starts with the keyword kw as a whole word.
func isWord(s, kw string) bool {
	if len(s) < len(kw) || !strings.EqualFold(s[:len(kw)], kw) {
		return false
	}
	return len(s) == len(kw) || !isIdentByte(s[len(kw)])
}

// cmdScanner reads the parts of a command.
type cmdScanner struct {
	s   string
	pos int
}

func (c *cmdScanner) rest() string { return c.s[c.pos:] }

func (c *cmdScanner) space() {
	for c.pos < len(c.s) && strings.IndexByte(" \t\r\n", c.s[c.pos]) >= 0 {
		c.pos++
	}
}

// word consumes the keyword kw.
func (c *cmdScanner) word(kw string) bool {
	if !isWord(c.rest(), kw) {
		return false
	}
	c.pos += len(kw)
	return true
}

// ident reads a plain or backquoted identifier.
func (c *cmdScanner) ident() (string, bool) {
	r := c.rest()
	if strings.HasPrefix(r, "`") {
		end := quotedEnd(r)
		if end < 0 {
			return "", false
		}
		c.pos += end
		return strings.ReplaceAll(r[1:end-1], "``", "`"), true
	}
	n := 0
	for n < len(r) && isIdentByte(r[n]) {
		n++
	}
	if n == 0 {
		return "", false
	}
	c.pos += n
	return r[:n], true
}

// source reads what PREPARE prepares: a string literal (an introducer
// before it is kept) or a user variable.
func (c *cmdScanner) source() (string, bool) {
	r := c.rest()
	n := 0
	switch {
	case strings.HasPrefix(r, "@") && !strings.HasPrefix(r, "@@"):
		n = 1
		if n < len(r) && (r[n] == '`' || r[n] == '\'' || r[n] == '"') {
			end := quotedEnd(r[n:])
			if end < 0 {
				return "", false
			}
			n += end
		} else {
			for n < len(r) && (isIdentByte(r[n]) || r[n] == '.') {
				n++
			}
		}
		if n == 1 {
			return "", false
		}
	default:
		if r != "" && r[0] == '_' {
			// _utf8mb4'...': the introducer, then the literal.
			for n < len(r) && isIdentByte(r[n]) {
				n++
			}
			for n < len(r) && r[n] == ' ' {
				n++
			}
		}
		if n >= len(r) || (r[n] != '\'' && r[n] != '"') {
			return "", false
		}
		end := quotedEnd(r[n:])
		if end < 0 {
			return "", false
		}
		n += end
	}
	c.pos += n
	return r[:n], true
}

// quotedEnd is the length of the quoted token at the start of s (quotes
// doubled or, except in backquotes, escaped with a backslash inside), or
// -1 if it does not end.
func quotedEnd(s string) int {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			if i+1 < len(s) && s[i+1] == q {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

// splitList splits a comma-separated list of expressions at the commas
// outside quotes and parentheses.
func splitList(s string) ([]string, bool) {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			end := quotedEnd(s[i:])
			if end < 0 {
				return nil, false
			}
			i += end - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return nil, false
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	out = append(out, strings.TrimSpace(s[start:]))
	for _, e := range out {
		if e == "" {
			return nil, false
		}
	}
	return out, depth == 0
}

// markerOffsets finds the ? parameter markers of a statement: those
// outside string literals, quoted identifiers and comments (the inside of
// an executable comment /*! ... */ is code).
func markerOffsets(sql string) []int {
	var out []int
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`':
			end := quotedEnd(sql[i:])
			if end < 0 {
				return out
			}
			i += end - 1
		case c == '/' && strings.HasPrefix(sql[i:], "/*") && !strings.HasPrefix(sql[i:], "/*!") && !strings.HasPrefix(sql[i:], "/*M!"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += 2 + end + 1
		case c == '#' || (c == '-' && strings.HasPrefix(sql[i:], "-- ")):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				return out
			}
			i += end
		case c == '?':
			out = append(out, i)
		}
	}
	return out
}

// substituteMarkers writes literals in place of the ? markers of sql.
func substituteMarkers(sql string, literals []string) (string, error) {
	offs := markerOffsets(sql)
	if len(offs) != len(literals) {
		return "", fmt.Errorf("the statement has %d parameter markers, %d values were given", len(offs), len(literals))
	}
	var b strings.Builder
	prev := 0
	for i, o := range offs {
		b.WriteString(sql[prev:o])
		b.WriteString(literals[i])
		prev = o + 1
	}
	b.WriteString(sql[prev:])
	return b.String(), nil
}
