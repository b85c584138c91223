package proxy

import (
	"fmt"
	"github.com/xaproxy/xaproxy/router"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// The proxy's own SQL, recognised before the SQL parser (which does not
// know it):
//
//	SHOW SHARD RULES                     how every table of the user's schemas is placed
//	SHOW SHARD FOR [schema.]table value  which shard holds the row with that shard key value
//	SHOW SHARD CATALOG                   the table definitions read from the shards, and where shards differ

type adminKind int

const (
	adminRules adminKind = iota + 1
	adminFor
	adminCatalog
	adminBad // starts like SHOW SHARD but is not one of the above
)

// adminStmt is a parsed admin statement.
type adminStmt struct {
	kind   adminKind
	schema string // SHOW SHARD FOR: "" means the current database
	table  string
	value  sharding.Value
	text   string // the value as written, for messages
	err    string // adminBad: what is wrong
}

const adminUsage = "SHOW SHARD RULES, SHOW SHARD CATALOG, or SHOW SHARD FOR [schema.]table value (value: a number, a quoted string or NULL)"

// parseAdmin recognises SHOW SHARD ...; ok is false for any other SQL.
func parseAdmin(sql string) (adminStmt, bool) {
	rest := router.SkipComments(sql)
	var ok bool
	if rest, ok = cutWord(rest, "SHOW"); !ok {
		return adminStmt{}, false
	}
	if rest, ok = cutWord(rest, "SHARD"); !ok {
		return adminStmt{}, false
	}
	rest = strings.TrimRight(strings.TrimSpace(rest), "; \t\r\n")
	if r, ok := cutWord(rest, "RULES"); ok {
		if strings.TrimSpace(r) != "" {
			return adminStmt{kind: adminBad, err: "unexpected text after SHOW SHARD RULES"}, true
		}
		return adminStmt{kind: adminRules}, true
	}
	if r, ok := cutWord(rest, "CATALOG"); ok {
		if strings.TrimSpace(r) != "" {
			return adminStmt{kind: adminBad, err: "unexpected text after SHOW SHARD CATALOG"}, true
		}
		return adminStmt{kind: adminCatalog}, true
	}
	r, ok := cutWord(rest, "FOR")
	if !ok {
		return adminStmt{kind: adminBad, err: "unknown SHOW SHARD statement"}, true
	}
	a := adminStmt{kind: adminFor}
	var err error
	if a.schema, a.table, r, err = cutTableName(strings.TrimSpace(r)); err != nil {
		return adminStmt{kind: adminBad, err: err.Error()}, true
	}
	a.text = strings.TrimSpace(r)
	if a.value, err = parseLiteral(a.text); err != nil {
		return adminStmt{kind: adminBad, err: err.Error()}, true
	}
	return a, true
}

// cutWord removes the keyword kw (case-insensitive, whole word) from the
// start of s, with the white space before it.
func cutWord(s, kw string) (string, bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	if len(s) < len(kw) || !strings.EqualFold(s[:len(kw)], kw) {
		return s, false
	}
	if len(s) > len(kw) && isIdentByte(s[len(kw)]) {
		return s, false
	}
	return s[len(kw):], true
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// cutTableName reads [schema.]table, either part optionally in backticks.
func cutTableName(s string) (schema, table, rest string, err error) {
	first, rest, err := cutIdent(s)
	if err != nil {
		return "", "", "", err
	}
	if strings.HasPrefix(rest, ".") {
		second, r, err := cutIdent(rest[1:])
		if err != nil {
			return "", "", "", err
		}
		return first, second, r, nil
	}
	return "", first, rest, nil
}

func cutIdent(s string) (ident, rest string, err error) {
	if strings.HasPrefix(s, "`") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '`' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '`' {
				b.WriteByte('`')
				i++
				continue
			}
			if b.Len() == 0 {
				break
			}
			return b.String(), s[i+1:], nil
		}
		return "", "", fmt.Errorf("unterminated or empty quoted table name in %q", s)
	}
	n := 0
	for n < len(s) && isIdentByte(s[n]) {
		n++
	}
	if n == 0 {
		return "", "", fmt.Errorf("expected a table name, got %q", s)
	}
	return s[:n], s[n:], nil
}

// parseLiteral reads the key value of SHOW SHARD FOR the way the router
// reads literals in SQL: integers as integers, decimals as their text,
// numbers with an exponent as doubles, quoted text as strings.
func parseLiteral(s string) (sharding.Value, error) {
	switch {
	case s == "":
		return sharding.Value{}, fmt.Errorf("missing the shard key value")
	case strings.EqualFold(s, "NULL"):
		return sharding.NullValue(), nil
	case s[0] == '\'' || s[0] == '"':
		str, err := unquote(s)
		if err != nil {
			return sharding.Value{}, err
		}
		return sharding.StringValue(str), nil
	}
	text := strings.TrimPrefix(s, "+")
	if strings.ContainsAny(text, "eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return sharding.Value{}, fmt.Errorf("%q is not a number, a quoted string or NULL", s)
		}
		return sharding.FloatValue(f), nil
	}
	if _, ok := new(big.Rat).SetString(text); !ok || strings.ContainsAny(text, "/ ") {
		return sharding.Value{}, fmt.Errorf("%q is not a number, a quoted string or NULL", s)
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return sharding.IntValue(i), nil
	}
	if u, err := strconv.ParseUint(text, 10, 64); err == nil {
		return sharding.UintValue(u), nil
	}
	return sharding.NumberValue(text), nil
}

// unquote reads a MySQL string literal in single or double quotes, with
// doubled quotes and backslash escapes.
func unquote(s string) (string, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case '0':
				b.WriteByte(0)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
		case c == q && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i++
		case c == q:
			if i != len(s)-1 {
				return "", fmt.Errorf("unexpected text after the quoted value: %q", s[i+1:])
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string %s", s)
}

// runAdmin answers an admin statement.
func (s *Session) runAdmin(a adminStmt) error {
	switch a.kind {
	case adminRules:
		return s.writeResultset([]string{"schema", "table", "kind", "shard_key", "algorithm", "shards", "ranges"}, s.shardRules())
	case adminCatalog:
		return s.writeResultset([]string{"schema", "table", "kind", "columns", "primary_key", "auto_increment", "differences"}, s.catalogRows())
	case adminFor:
		rows, err := s.shardFor(a)
		if err != nil {
			return s.writeErr(err)
		}
		return s.writeResultset([]string{"schema", "table", "kind", "shard_key", "key", "shard"}, rows)
	}
	return s.writeErr(mysql.NewError(mysql.ER_PARSE_ERROR, fmt.Sprintf("xaproxy admin statement: %s; supported: %s", a.err, adminUsage)))
}

// shardRules lists, per schema the user sees, where its unsharded tables
// live ("*") and how each listed table is placed; columns that do not
// apply to a row are NULL.
func (s *Session) shardRules() [][]any {
	rules := s.srv.router.Rules()
	var rows [][]any
	for _, name := range s.visibleSchemas() {
		sc := rules.Schema(name)
		rows = append(rows, []any{sc.Name, "*", sharding.Unsharded.String(), nil, nil, sc.DefaultShard, nil})
		names := make([]string, 0, len(sc.Tables))
		for k := range sc.Tables {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			t := sc.Tables[k]
			kind := sharding.Sharded
			if t.Broadcast {
				kind = sharding.Broadcast
			}
			rows = append(rows, []any{sc.Name, t.Name, kind.String(), nullIfEmpty(t.ShardKey), nullIfEmpty(t.Algorithm),
				strings.Join(t.Shards, ","), nullIfEmpty(formatRanges(t))})
		}
	}
	return rows
}

// nullIfEmpty is NULL for a column that does not apply to a row.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// formatRanges writes a range table's ranges as "s0<1000,s1<5000,s2".
func formatRanges(t *sharding.Table) string {
	parts := make([]string, len(t.Ranges))
	for i, r := range t.Ranges {
		parts[i] = r.Shard
		if r.Below != nil {
			parts[i] += "<" + strconv.FormatInt(*r.Below, 10)
		}
	}
	return strings.Join(parts, ",")
}

// shardFor answers SHOW SHARD FOR: the shard of a sharded table's row with
// that key (normalised and located exactly as the router does), the
// schema's default shard for an unlisted table, every copy's shard for a
// broadcast table.
func (s *Session) shardFor(a adminStmt) ([][]any, error) {
	schema := a.schema
	if schema == "" {
		schema = s.db
	}
	if schema == "" {
		return nil, mysql.NewError(mysql.ER_NO_DB_ERROR, "No database selected: USE a schema or qualify the table (SHOW SHARD FOR schema.table value)")
	}
	if !s.canUse(schema) {
		return nil, s.errDBAccess(schema)
	}
	sc := s.srv.router.Rules().Schema(schema)
	if sc == nil {
		return nil, s.srv.router.CheckSchema(s.user, schema)
	}
	kind, t := sc.Lookup(a.table)
	switch kind {
	case sharding.Unsharded:
		return [][]any{{sc.Name, a.table, kind.String(), nil, nil, sc.DefaultShard}}, nil
	case sharding.Broadcast:
		rows := make([][]any, len(t.Shards))
		for i, sh := range t.Shards {
			rows[i] = []any{sc.Name, t.Name, kind.String(), nil, nil, sh}
		}
		return rows, nil
	}
	k, err := t.Normalize(a.value)
	if err == nil {
		var shard string
		if shard, err = t.Locate(k); err == nil {
			return [][]any{{sc.Name, t.Name, kind.String(), t.ShardKey, k.String(), shard}}, nil
		}
	}
	return nil, mysql.NewError(mysql.ER_WRONG_ARGUMENTS, fmt.Sprintf("Incorrect arguments to SHOW SHARD FOR: %s is not a valid key of %s.%s (%s %s): %v",
		a.text, sc.Name, t.Name, t.Algorithm, t.ShardKey, err))
}
