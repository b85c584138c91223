package proxy

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// SQL prepared statements (PREPARE name FROM ..., EXECUTE name USING ...,
// DEALLOCATE PREPARE, EXECUTE IMMEDIATE) are the session's, kept by the
// proxy: a shard's connection would hold them only while the session
// happens to use it, and EXECUTE must be routed and checked like the
// statement it runs (a COUNT(*) over a sharded table merges every shard's,
// in a transaction too).
//
// EXECUTE binds the USING values as parameters of the statement's plan,
// as COM_STMT_EXECUTE does. Where the plan sends the statement itself to a
// shard, that shard runs EXECUTE IMMEDIATE with the client's own text and
// USING values (user variables are on every connection of the session), so
// that it types the parameters, names the columns and raises warnings
// exactly as MariaDB does. Statements the proxy answers itself (BEGIN,
// SET, USE...) run with the values written in place of their markers.

// sqlPrepared is a statement prepared with SQL PREPARE.
type sqlPrepared struct {
	text string // the statement
	// src is a SQL expression whose value is text: the client's string
	// literal, or the value the user variable held at PREPARE.
	src      string
	params   int
	db       string // the database at PREPARE
	charsets string // the character set and collation at PREPARE (CharsetKey)
	st       *router.Statement
	plan     *router.Plan // nil: the executor of text plans runs it (runText)
}

// runSQLPrepare runs one SQL prepared-statement command.
func (s *Session) runSQLPrepare(ctx context.Context, cmd sqlPrepCmd) error {
	if cmd.err != nil {
		s.startStatement(nil)
		return s.writeErr(cmd.err)
	}
	key := strings.ToLower(cmd.name)
	switch cmd.op {
	case opPrepare:
		s.startStatement(nil)
		// As MariaDB: the old statement of that name goes first, so that a
		// PREPARE that fails leaves none.
		delete(s.sqlStmts, key)
		p, err := s.sqlPrepare(ctx, cmd.src)
		if err != nil {
			return s.writeErr(err)
		}
		if len(p.st.Tables) > 0 {
			// Preparing a statement that uses a table clears the
			// diagnostics, as running it does (MariaDB 10.11).
			s.diag = diagnostics{}
		}
		if s.sqlStmts == nil {
			s.sqlStmts = map[string]*sqlPrepared{}
		}
		s.sqlStmts[key] = p
		return s.writeOK(0, 0, "Statement prepared")
	case opDeallocate:
		s.startStatement(nil)
		if _, ok := s.sqlStmts[key]; !ok {
			return s.writeErr(errUnknownSQLStmt(cmd.name, "DEALLOCATE PREPARE"))
		}
		delete(s.sqlStmts, key)
		return s.writeOK(0, 0, "")
	case opExecute:
		p, ok := s.sqlStmts[key]
		if !ok {
			s.startStatement(nil)
			return s.writeErr(errUnknownSQLStmt(cmd.name, "EXECUTE"))
		}
		return s.sqlExecute(ctx, p, cmd.using)
	default: // opImmediate
		p, err := s.sqlPrepare(ctx, cmd.src)
		if err != nil {
			s.startStatement(nil)
			return s.writeErr(err)
		}
		return s.sqlExecute(ctx, p, cmd.using)
	}
}

// errUnknownSQLStmt is MariaDB's 1243 for a name no PREPARE made.
func errUnknownSQLStmt(name, where string) error {
	return mysql.NewError(mysql.ER_UNKNOWN_STMT_HANDLER, fmt.Sprintf("Unknown prepared statement handler (%s) given to %s", name, where))
}

// errUnsupportedPS is MariaDB's answer to preparing a statement it cannot
// prepare (PREPARE, EXECUTE, DEALLOCATE).
func errUnsupportedPS(hint string) error {
	return mysql.NewError(mysql.ER_UNSUPPORTED_PS, "This command is not supported in the prepared statement protocol yet"+hint)
}

// sqlPrepare prepares the statement src holds: it checks it as MariaDB's
// PREPARE would (syntax, tables, on the shard the plan names) and learns
// its parameter count.
func (s *Session) sqlPrepare(ctx context.Context, src string) (*sqlPrepared, error) {
	text, src, err := s.prepareSource(src)
	if err != nil {
		return nil, err
	}
	// Planned and run as the shards read it, as a plain query is: its
	// executable comments expanded (the parser skips them).
	if expanded, err := s.expandComments(text); err != nil {
		return nil, err
	} else if expanded != text {
		text, src = expanded, "X'"+hex.EncodeToString([]byte(expanded))+"'"
	}
	if _, ok := parseSQLPrepare(text); ok {
		return nil, errUnsupportedPS("")
	}
	if _, ok := parseAdmin(text); ok {
		return nil, errUnsupportedPS(": send SHOW SHARD ... as a plain query")
	}
	st, err := s.parser().Parse(text)
	if err != nil {
		return nil, err
	}
	if st.Identity&router.UsesConnectAttrs != 0 {
		return nil, errUnsupportedPS(": query the connect-attribute tables as a plain query")
	}
	if router.ReadsProcessList(st, s.db) {
		return nil, errUnsupportedPS(": send SHOW PROCESSLIST and queries over information_schema.PROCESSLIST, which list xaproxy's sessions, as plain queries")
	}
	if _, ok := router.ShowStatus(st); ok {
		return nil, errUnsupportedPS(": send SHOW STATUS, whose Ssl_% rows are xaproxy's, as a plain query")
	}
	// CONNECTION_ID(), USER() ... are the session's, as in a plain query;
	// the shard then runs the rewritten text (its bytes as a hex literal,
	// which EXECUTE IMMEDIATE takes as the statement).
	if rewritten, err := s.rewriteIdentity(st, text); err != nil {
		return nil, err
	} else if rewritten != text {
		text, src = rewritten, "X'"+hex.EncodeToString([]byte(rewritten))+"'"
	}
	if filtered, err := s.filterInfoSchema(st, text); err != nil {
		return nil, err
	} else if filtered != text {
		text, src = filtered, "X'"+hex.EncodeToString([]byte(filtered))+"'"
	}
	p := &sqlPrepared{text: text, src: src, db: s.db, charsets: s.vars.CharsetKey(), st: st}
	switch st.Kind {
	case router.KindEmpty, router.KindComment:
		return nil, mysql.NewError(mysql.ER_EMPTY_QUERY, "Query was empty")
	case router.KindXA:
		return nil, router.ErrXA()
	case router.KindBegin, router.KindCommit, router.KindRollback, router.KindUse, router.KindSet,
		router.KindShowDatabases, router.KindShowXAStatus:
		p.params = len(markerOffsets(text))
		return p, nil
	}
	if _, ok := st.Node.(*ast.KillStmt); ok {
		p.params = len(markerOffsets(text))
		return p, nil
	}
	if err := s.checkAllowed(ctx, st); err != nil {
		return nil, err
	}
	if err := s.checkLockedTables(st); err != nil {
		return nil, err
	}
	plan, err := s.plan(ctx, st)
	if err != nil {
		if st.Kind == router.KindUnparsed {
			if perr := s.shardParseErr(ctx, text); perr != nil {
				return nil, perr
			}
		}
		return nil, s.refusalOrShardError(ctx, st, text, err)
	}
	shard := plan.PrepareShard()
	bs, err := s.prepareOn(ctx, shard, text)
	if err != nil {
		return nil, shardErr(shard, err)
	}
	p.params = bs.Params
	if st.Kind == router.KindUnparsed || st.Kind == router.KindSavepoint || st.ConnState == router.ConnStateUnlockTables {
		// The executor of text plans (runText) runs them.
		if n := len(markerOffsets(text)); n != p.params {
			return nil, errNotSupported("cannot find the %d parameter markers of this statement (found %d): send it with its values written in", p.params, n)
		}
		return p, nil
	}
	p.plan = plan
	return p, nil
}

// shardParseErr is MariaDB's own complaint about text the proxy cannot
// parse (a syntax error, at PREPARE as on MariaDB), from a shard of the
// session's schema; nil if that shard accepts it.
func (s *Session) shardParseErr(ctx context.Context, text string) error {
	probe, err := s.parser().Parse("SELECT 1")
	if err != nil {
		return nil
	}
	plan, err := s.srv.router.Plan(probe, s.user, s.db)
	if err != nil {
		return nil
	}
	if _, err := s.prepareOn(ctx, plan.PrepareShard(), text); err != nil {
		if me, ok := backend.ServerError(err); ok {
			return me
		}
	}
	return nil
}

// prepareSource returns the statement text src stands for, and the SQL
// expression that gives it on a shard. A user variable that holds no
// string gives its value as text, which MariaDB then fails to parse (the
// shard reports that, as it would for PREPARE s FROM @number).
func (s *Session) prepareSource(src string) (text, expr string, err error) {
	expr = src
	if strings.HasPrefix(src, "@") {
		name := "@" + strings.ToLower(unquoteName(src[1:]))
		v, ok := s.vars.Get(name)
		if !ok {
			v = "NULL"
		}
		expr = v
	}
	st, err := s.parser().Parse("SELECT " + expr)
	if err != nil || st.Node == nil {
		return "", "", errNotSupported("cannot read the statement text %s", truncateSQL(src, 80))
	}
	sel, ok := st.Node.(*ast.SelectStmt)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 {
		return "", "", errNotSupported("cannot read the statement text %s", truncateSQL(src, 80))
	}
	e := sel.Fields.Fields[0].Expr
	if str, ok := router.LiteralString(e); ok {
		return str, expr, nil
	}
	if prm, ok := router.LiteralParam(e); ok {
		// NULL, a number: MariaDB parses its text (and fails).
		return prm.Literal, expr, nil
	}
	return "", "", errNotSupported("cannot read the statement text %s", truncateSQL(src, 80))
}

// unquoteName strips the quotes of a quoted user variable name.
func unquoteName(n string) string {
	if len(n) >= 2 && (n[0] == '`' || n[0] == '\'' || n[0] == '"') && n[len(n)-1] == n[0] {
		q := string(n[0])
		return strings.ReplaceAll(n[1:len(n)-1], q+q, q)
	}
	return n
}

// sqlExecute runs a prepared statement with the USING values.
func (s *Session) sqlExecute(ctx context.Context, p *sqlPrepared, using []string) error {
	if err := s.checkReadSince(p.st, p.charsets, p.src); err != nil {
		s.startStatement(nil)
		return s.writeErr(err)
	}
	if len(using) != p.params {
		s.startStatement(nil)
		return s.writeErr(mysql.NewError(mysql.ER_WRONG_ARGUMENTS, "Incorrect arguments to EXECUTE"))
	}
	params, err := s.usingParams(using)
	if err != nil {
		s.startStatement(nil)
		return s.writeErr(err)
	}
	if p.plan == nil {
		lits := make([]string, len(params))
		for i, prm := range params {
			lits[i] = prm.Literal
		}
		text, err := substituteMarkers(p.text, lits)
		if err != nil {
			s.startStatement(nil)
			return s.writeErr(errNotSupported("%v", err))
		}
		// Not an admin or SQL PREPARE form (refused at PREPARE): the
		// executor of text plans runs it.
		return s.runText(ctx, text)
	}
	s.startStatement(p.st)
	s.cur.typ = stmtType(p.st)
	s.countStatement(kindName(p.st.Kind))
	if err := s.checkAllowed(ctx, p.st); err != nil {
		return s.writeErr(err)
	}
	if err := s.checkPreparedDB(p.db, p.st); err != nil {
		return s.writeErr(err)
	}
	if p.plan.DB != s.db || s.srv.router.Stale(p.plan) {
		// Its database functions read the current database, or the table
		// definitions changed (MariaDB re-prepares too).
		plan, err := s.plan(ctx, p.st)
		if err != nil {
			return s.writeErr(err)
		}
		p.plan = plan
	}
	if g, defs, err := s.sqlExecuteInfo(p, params); err != nil || g != nil {
		if err != nil {
			return s.writeErr(err)
		}
		return s.answerInfoGather(ctx, p.st, g, defs, false, params)
	}
	own := "EXECUTE IMMEDIATE " + p.src
	if len(using) > 0 {
		own += " USING " + strings.Join(using, ", ")
	}
	return s.runRouted(ctx, p.st, p.plan, params, func(c *backend.Conn) (backend.Pending, error) {
		return c.Send(ctx, mysql.COM_QUERY, []byte(own))
	}, nil)
}

// sqlExecuteInfo is how an EXECUTE of a read of information_schema's
// listings is answered from every shard's rows, as the same text query or
// prepared statement is (an AUTO_INCREMENT that is the table's, not one
// shard's), and the text whose column definitions it gets; nil where the
// one-shard filter answers it.
func (s *Session) sqlExecuteInfo(p *sqlPrepared, params []router.Param) (*router.InfoGather, string, error) {
	if len(params) == 0 {
		if !router.MayGatherInfo(p.st, s.db) {
			return nil, "", nil
		}
		g, err := s.infoGather(p.st)
		return g, p.text, err
	}
	if !router.ReadsOnlyInfoSchema(p.st, s.db) {
		return nil, "", nil
	}
	return s.infoGatherBound(p.st, p.text, params)
}

// usingParams reads the USING values: literals and user variables (whose
// values the session records). Other expressions are refused: the proxy
// would have to evaluate them to route the statement.
func (s *Session) usingParams(using []string) ([]router.Param, error) {
	if len(using) == 0 {
		return nil, nil
	}
	st, err := s.parser().Parse("SELECT " + strings.Join(using, ", "))
	var fields []*ast.SelectField
	if err == nil && st.Node != nil {
		if sel, ok := st.Node.(*ast.SelectStmt); ok && sel.Fields != nil {
			fields = sel.Fields.Fields
		}
	}
	if len(fields) != len(using) {
		return nil, syntaxErr(sqlPrepCmd{}, strings.Join(using, ", ")).err
	}
	out := make([]router.Param, len(using))
	for i, f := range fields {
		p, err := s.usingParam(f.Expr, using[i])
		if err != nil {
			return nil, err
		}
		p.Using = true
		out[i] = p
	}
	return out, nil
}

// usingParam is one USING value as a parameter.
func (s *Session) usingParam(e ast.ExprNode, text string) (router.Param, error) {
	if v, ok := e.(*ast.VariableExpr); ok && !v.IsSystem {
		lit, ok := s.vars.Get("@" + strings.ToLower(v.Name))
		if !ok {
			lit = "NULL"
		}
		st, err := s.parser().Parse("SELECT " + lit)
		if err == nil && st.Node != nil {
			if sel, ok := st.Node.(*ast.SelectStmt); ok && sel.Fields != nil && len(sel.Fields.Fields) == 1 {
				if p, ok := router.LiteralParam(sel.Fields.Fields[0].Expr); ok {
					return p, nil
				}
			}
		}
		return router.Param{}, errNotSupported("cannot read the value of user variable @%s for EXECUTE", v.Name)
	}
	if p, ok := router.LiteralParam(e); ok {
		return p, nil
	}
	return router.Param{}, errNotSupported("EXECUTE ... USING takes literals and user variables through xaproxy, not %s: assign it to a user variable first", truncateSQL(text, 80))
}
