package router

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// performance_schema.session_connect_attrs and
// session_account_connect_attrs list the connection attributes clients
// sent in their handshake. Through xaproxy the session's own are its
// client's, which only the proxy has (a shard lists the proxy's pooled
// connections). A query over them runs on a shard with each such table
// replaced by a derived table of the session's attributes, typed as the
// performance_schema columns (PROCESSLIST_ID INT NOT NULL, ATTR_NAME
// VARCHAR(32) and ATTR_VALUE VARCHAR(1024) in utf8mb3_bin, ORDINAL_POSITION
// INT), so that MariaDB evaluates WHERE, ORDER BY and expressions as it
// would on the real table; the proxy answers with that query's rows and
// the column definitions the shard gives the client's own text, which names
// the real table. Other sessions' attributes are not listed: they would be
// other proxy sessions' and the tables are the session's view only.
//
// MariaDB keeps at most performance_schema_session_connect_attrs_size
// (512 bytes when autosized, as on MariaDB 10.11) of the attribute block a
// client sent, and only the attributes wholly inside it; names are cut to
// 32 characters and values to 1024.

const (
	connectAttrsSize = 512
	attrNameChars    = 32
	attrValueChars   = 1024
)

// IsConnectAttrsTable tells whether schema.name is one of the two tables.
func IsConnectAttrsTable(schema, name string) bool {
	if !strings.EqualFold(schema, "performance_schema") {
		return false
	}
	n := strings.ToLower(name)
	return n == "session_connect_attrs" || n == "session_account_connect_attrs"
}

// OnlyConnectAttrs tells whether every table st uses is one of the two.
func (s *Statement) OnlyConnectAttrs() bool {
	for _, t := range s.Tables {
		if !IsConnectAttrsTable(t.Schema, t.Name) {
			return false
		}
	}
	return len(s.Tables) > 0
}

// KeptAttrs is what MariaDB keeps of a client's attributes.
func KeptAttrs(attrs []ConnectAttr) []ConnectAttr {
	var out []ConnectAttr
	size := 0
	for _, a := range attrs {
		size += lenEncSize(len(a.Name)) + len(a.Name) + lenEncSize(len(a.Value)) + len(a.Value)
		if size > connectAttrsSize {
			break
		}
		out = append(out, ConnectAttr{Name: CutChars(a.Name, attrNameChars), Value: CutChars(a.Value, attrValueChars)})
	}
	return out
}

func lenEncSize(n int) int {
	switch {
	case n < 251:
		return 1
	case n < 1<<16:
		return 3
	case n < 1<<24:
		return 4
	}
	return 9
}

// CutChars keeps the first n characters of s.
func CutChars(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i]
}

// RewriteConnectAttrs returns the text of st with the connect-attribute
// tables replaced by the session's attributes and its identity calls by
// the session's values. st.Node is changed in place.
func RewriteConnectAttrs(st *Statement, id Identity) (string, error) {
	if _, ok := st.Node.(*ast.SelectStmt); !ok || !st.OnlyConnectAttrs() || HasParams(st.Node) {
		if _, union := st.Node.(*ast.SetOprStmt); !union || !st.OnlyConnectAttrs() || HasParams(st.Node) {
			return "", errUnsupported("performance_schema.session_connect_attrs and session_account_connect_attrs are answered by xaproxy only in a SELECT without parameters that reads no other table")
		}
	}
	st.Node.Accept(&attrsRewriter{table: connectAttrsTable(id)})
	return RewriteIdentity(st, id)
}

// attrsRewriter puts the derived table in place of the real ones.
type attrsRewriter struct{ table string }

func (r *attrsRewriter) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (r *attrsRewriter) Leave(n ast.Node) (ast.Node, bool) {
	if ts, ok := n.(*ast.TableSource); ok {
		if tn, ok := ts.Source.(*ast.TableName); ok && IsConnectAttrsTable(tn.Schema.O, tn.Name.O) {
			if ts.AsName.O == "" {
				ts.AsName = tn.Name
			}
			ts.Source = &rawTable{TableName: tn, text: r.table}
		}
	}
	return n, true
}

// connectAttrsTable is the derived table of the session's attributes.
func connectAttrsTable(id Identity) string {
	attrs := KeptAttrs(id.Attrs)
	pid := strconv.FormatUint(uint64(id.ConnID), 10)
	row := func(name, value string, pos int) string {
		return "SELECT CAST(" + pid + " AS SIGNED) AS PROCESSLIST_ID, " +
			"CAST(" + utf8mb3Literal(name) + " AS CHAR(32) CHARACTER SET utf8mb3) COLLATE utf8mb3_bin AS ATTR_NAME, " +
			"CAST(" + utf8mb3Literal(value) + " AS CHAR(1024) CHARACTER SET utf8mb3) COLLATE utf8mb3_bin AS ATTR_VALUE, " +
			"CAST(" + strconv.Itoa(pos) + " AS SIGNED) AS ORDINAL_POSITION"
	}
	if len(attrs) == 0 {
		return "(" + row("", "", 0) + " FROM DUAL WHERE 0)"
	}
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = row(a.Name, a.Value, i)
	}
	return "(" + strings.Join(parts, " UNION ALL ") + ")"
}

// rawTable is a table source printed as given SQL text.
type rawTable struct {
	*ast.TableName
	text string
}

func (r *rawTable) Restore(ctx *format.RestoreCtx) error {
	ctx.WritePlain(r.text)
	return nil
}

func (r *rawTable) Accept(v ast.Visitor) (ast.Node, bool) {
	n, skip := v.Enter(r)
	if skip {
		return v.Leave(n)
	}
	return v.Leave(r)
}
