package router

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// The session's identity is the proxy's (docs/session-state.md, treatment
// 2): CONNECTION_ID() is the proxy's session id, USER() and CURRENT_USER()
// the proxy's user, never the pooled backend connection's. A statement
// calling them runs with each call replaced by a literal of the same
// MariaDB 10.11 type (checked with column metadata and COERCIBILITY()):
//
//   - CONNECTION_ID(): CAST(0000000042 AS UNSIGNED): INT UNSIGNED NOT NULL,
//     display length 10, as the function (the leading zeros make the
//     length; a bare 42 would be a signed INT of length 2);
//   - USER(), SESSION_USER(), SYSTEM_USER(), CURRENT_USER[()]:
//     IF(0, USER(), _utf8mb3 X'...'): VARCHAR(384) in utf8mb3_general_ci
//     with coercibility SYSCONST, nullable, as the functions; the shard's
//     USER() is only there for its type and is never the value.
//
// A select item that contained a call keeps its name: it is given the
// client's text as alias. Statements that would store the call rather than
// its value (a column DEFAULT, a view, a routine) are refused.

// IdentityUse says which identity functions a statement calls.
type IdentityUse int

const (
	// UsesConnectionID: CONNECTION_ID().
	UsesConnectionID IdentityUse = 1 << iota
	// UsesUser: USER(), SESSION_USER(), SYSTEM_USER().
	UsesUser
	// UsesCurrentUser: CURRENT_USER[()].
	UsesCurrentUser
	// UsesConnectAttrs: reads performance_schema.session_connect_attrs or
	// session_account_connect_attrs (connattrs.go).
	UsesConnectAttrs
	// UsesHaveSSL: @@have_ssl, which says whether the server (the proxy)
	// serves TLS: YES, or DISABLED when frontend TLS is off.
	UsesHaveSSL
)

// Identity is what the identity functions answer for a session.
type Identity struct {
	ConnID uint32
	// User is USER(): user@client-address.
	User string
	// CurrentUser is CURRENT_USER(): user@account-host.
	CurrentUser string
	// Attrs are the client's connection attributes in its order.
	Attrs []ConnectAttr
	// HaveSSL is @@have_ssl: YES or DISABLED.
	HaveSSL string
}

// ConnectAttr is one connection attribute of the client's handshake.
type ConnectAttr struct{ Name, Value string }

// identityFunc classifies a function call; 0 for other functions.
func identityFunc(f *ast.FuncCallExpr) IdentityUse {
	if len(f.Args) != 0 {
		return 0
	}
	switch f.FnName.L {
	case "connection_id":
		return UsesConnectionID
	case "user", "session_user", "system_user":
		return UsesUser
	case "current_user":
		return UsesCurrentUser
	}
	return 0
}

// identityCalls finds identity function calls and connect-attribute tables.
type identityCalls struct{ use IdentityUse }

func (c *identityCalls) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		c.use |= identityFunc(x)
	case *ast.VariableExpr:
		if isHaveSSL(x) {
			c.use |= UsesHaveSSL
		}
	case *ast.TableName:
		if IsConnectAttrsTable(x.Schema.O, x.Name.O) {
			c.use |= UsesConnectAttrs
		}
	}
	return n, false
}

func (c *identityCalls) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// identityUse tells which identity functions n calls.
func identityUse(n ast.Node) IdentityUse {
	var c identityCalls
	n.Accept(&c)
	return c.use
}

// unparsedIdentity is identityUse for text the parser rejected: any
// mention counts, so the proxy refuses rather than let a pooled connection
// answer with its own identity.
func unparsedIdentity(head string) IdentityUse {
	low := strings.ToLower(head)
	var use IdentityUse
	if strings.Contains(low, "connection_id") {
		use |= UsesConnectionID
	}
	if strings.Contains(low, "current_user") {
		use |= UsesCurrentUser
	}
	if strings.Contains(low, "session_user") || strings.Contains(low, "system_user") || callsUser(low) {
		use |= UsesUser
	}
	if strings.Contains(low, "have_ssl") {
		use |= UsesHaveSSL
	}
	if strings.Contains(low, "session_connect_attrs") || strings.Contains(low, "session_account_connect_attrs") {
		use |= UsesConnectAttrs
	}
	return use
}

// callsUser finds "user" followed by "(" as a word of its own.
func callsUser(low string) bool {
	for i := 0; ; {
		j := strings.Index(low[i:], "user")
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isIdentByte(low[j-1])
		rest := strings.TrimLeft(low[j+4:], " \t\r\n")
		if before && strings.HasPrefix(rest, "(") {
			return true
		}
		i = j + 4
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b == '@' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80
}

// KillSelf recognises KILL [CONNECTION | QUERY] CONNECTION_ID(), which
// MariaDB runs with the statement's own id (the parser knows only the
// first form).
func KillSelf(sql string) (query, ok bool) {
	words := strings.Fields(strings.ToLower(strings.TrimRight(SkipComments(sql), " \t\r\n;")))
	if len(words) < 2 || words[0] != "kill" {
		return false, false
	}
	rest := strings.Join(words[1:], " ")
	for _, p := range []struct {
		prefix string
		query  bool
	}{{"query ", true}, {"connection ", false}, {"", false}} {
		if r, found := strings.CutPrefix(rest, p.prefix); found {
			if strings.ReplaceAll(r, " ", "") == "connection_id()" {
				return p.query, true
			}
			if p.prefix != "" {
				return false, false
			}
		}
	}
	return false, false
}

// identityOK are the statements whose identity calls are evaluated once,
// for the statement: there a literal is the value.
func identityOK(n ast.StmtNode) bool {
	switch n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt, *ast.DoStmt, *ast.SetStmt:
		return true
	}
	return false
}

// RewriteIdentity replaces the identity calls of st's statement with
// literals of the session's values (see the top of this file) and returns
// the statement's new text; st.Node is changed in place.
func RewriteIdentity(st *Statement, id Identity) (string, error) {
	if st.Node == nil || !identityOK(st.Node) || st.Returning != nil {
		return "", errUnsupported("CONNECTION_ID(), USER(), CURRENT_USER() and @@have_ssl are answered by xaproxy with its own session's values only in SELECT, INSERT, UPDATE, DELETE, DO and SET (not with RETURNING, nor stored in a definition, where the shard's would be used)")
	}
	r := &identityRewriter{id: id}
	st.Node.Accept(r)
	return Restore(st.Node)
}

// identityRewriter replaces identity calls with literals and names the
// select items that contained one after their text.
type identityRewriter struct {
	id      Identity
	fields  []*ast.SelectField // select items being walked
	touched map[*ast.SelectField]bool
}

func (r *identityRewriter) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.SelectField); ok {
		r.fields = append(r.fields, f)
	}
	return n, false
}

func (r *identityRewriter) Leave(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SelectField:
		r.fields = r.fields[:len(r.fields)-1]
		if (r.touched[x] || isVariable(x.Expr) || keepsTextName(x)) && x.AsName.O == "" && x.Text() != "" {
			// A system variable's name is its text too, which the
			// restored text would change (@@`have_openssl`), as it
			// would any other expression's (COUNT(*) is COUNT(1)).
			x.AsName = ast.NewCIStr(x.Text())
		}
	case *ast.FuncCallExpr:
		use := identityFunc(x)
		if use == 0 {
			break
		}
		r.touch()
		return &rawExpr{FuncCallExpr: x, text: identityLiteral(use, r.id)}, true
	case *ast.VariableExpr:
		if !isHaveSSL(x) {
			break
		}
		r.touch()
		return &rawExpr{FuncCallExpr: &ast.FuncCallExpr{}, text: haveSSLLiteral(r.id.HaveSSL)}, true
	}
	return n, true
}

// keepsTextName tells whether a select item is named after its text by
// MariaDB where the restored text would name it otherwise: an expression
// (k+1 is restored `k`+1), not a column (named by the column) or a literal
// (named by its value), and short enough to be an alias.
func keepsTextName(f *ast.SelectField) bool {
	switch f.Expr.(type) {
	case nil, *ast.ColumnNameExpr, ast.ValueExpr:
		return false
	}
	return len(f.Text()) <= 256
}

// touch marks the select item being walked as containing a rewritten
// call: it keeps the client's text as its name.
func (r *identityRewriter) touch() {
	if len(r.fields) == 0 {
		return
	}
	if r.touched == nil {
		r.touched = map[*ast.SelectField]bool{}
	}
	r.touched[r.fields[len(r.fields)-1]] = true
}

// isHaveSSL recognises @@have_ssl and @@global.have_ssl; @@session.have_ssl
// is left to the shard, whose error (1238: a GLOBAL variable) is MariaDB's.
func isHaveSSL(v *ast.VariableExpr) bool {
	return v.IsSystem && strings.EqualFold(v.Name, "have_ssl") && (v.IsGlobal || !v.ExplicitScope)
}

// haveSSLLiteral is @@have_ssl with the given value and the variable's
// type: the shard's variable is there for its type only.
func haveSSLLiteral(v string) string {
	return "IF(0, @@have_ssl, " + utf8mb3Literal(v) + ")"
}

// identityLiteral is the SQL for the value of one identity function.
func identityLiteral(use IdentityUse, id Identity) string {
	switch use {
	case UsesConnectionID:
		return "CAST(" + zeroPad10(id.ConnID) + " AS UNSIGNED)"
	case UsesCurrentUser:
		return "IF(0, USER(), " + utf8mb3Literal(id.CurrentUser) + ")"
	}
	return "IF(0, USER(), " + utf8mb3Literal(id.User) + ")"
}

// zeroPad10 writes n with ten digits, the display length of CONNECTION_ID().
func zeroPad10(n uint32) string {
	s := strconv.FormatUint(uint64(n), 10)
	return strings.Repeat("0", 10-len(s)) + s
}

// utf8mb3Literal is a utf8mb3 string literal, in hex so that no sql_mode
// changes how it reads.
func utf8mb3Literal(s string) string {
	if s == "" {
		return "_utf8mb3''"
	}
	return "_utf8mb3 X'" + hex.EncodeToString([]byte(s)) + "'"
}

// rawExpr is an expression printed as given SQL text. Walkers do not
// descend into it: it stands for a value.
type rawExpr struct {
	*ast.FuncCallExpr
	text string
}

func (r *rawExpr) Restore(ctx *format.RestoreCtx) error {
	ctx.WritePlain(r.text)
	return nil
}

func (r *rawExpr) Accept(v ast.Visitor) (ast.Node, bool) {
	n, skip := v.Enter(r)
	if skip {
		return v.Leave(n)
	}
	return v.Leave(r)
}

// isVariable tells whether e is a system variable, named after its text.
func isVariable(e ast.ExprNode) bool {
	v, ok := e.(*ast.VariableExpr)
	return ok && v.IsSystem
}
