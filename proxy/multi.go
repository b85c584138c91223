package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// A query of several statements (CLIENT_MULTI_STATEMENTS, or COM_SET_OPTION
// turning it on) runs statement by statement, as on MariaDB: each answer but
// the last carries SERVER_MORE_RESULTS_EXISTS, and the first error ends the
// query (the statements after it do not run).

// handleQueryText runs a COM_QUERY of one or several statements.
func (s *Session) handleQueryText(ctx context.Context, sql string) error {
	original := sql
	expanded, err := s.expandComments(sql)
	if err != nil {
		return s.writeErr(err)
	}
	if onlyComments(sql, expanded) {
		return s.writeOK(0, 0, "")
	}
	sql = expanded
	if strings.IndexByte(sql, ';') < 0 {
		// One statement: SplitStatements cuts only at a semicolon.
		return s.handleQuery(ctx, sql)
	}
	stmts := router.SplitStatements(sql, s.parseMode())
	if len(stmts) == 1 {
		return s.handleQuery(ctx, sql)
	}
	if !s.multiStatementsOn() {
		return s.writeErr(mysql.NewError(mysql.ER_PARSE_ERROR, fmt.Sprintf(
			"You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '%s' at line 1 (this client did not enable multi-statements)",
			truncateSQL(strings.TrimSpace(stmts[1]), 80))))
	}
	defer func() { s.moreResults = false }()
	startMode := s.parseMode() // the settings the query was expanded and split with
	for i := 0; i < len(stmts); i++ {
		s.moreResults = i < len(stmts)-1
		failed := s.errsWritten
		mode, charset := s.parseMode(), s.vars.ClientCharset()
		if err := s.handleQuery(ctx, stmts[i]); err != nil {
			return err
		}
		if s.errsWritten != failed {
			return nil // MariaDB stops at the first error
		}
		if i < len(stmts)-1 && (s.parseMode() != mode || s.vars.ClientCharset() != charset) {
			rest, err := s.relex(original, startMode, stmts[i+1:])
			if err != nil {
				s.moreResults = false
				return s.writeErr(err)
			}
			stmts = append(stmts[:i+1], rest...)
			startMode = s.parseMode()
		}
	}
	return nil
}

// relex reads the statements after one that changed the sql_mode or the
// character set again, as MariaDB reads each statement of a query with the
// settings the ones before it left: the checks, the expansion of
// executable comments and the split of the query were made with the
// settings it began with (startMode). rest are those statements as
// expanded then; the client's own text for them is found among the
// suffixes of original that expand to them, and read anew. Refused when
// none does (a comment spanning statements).
func (s *Session) relex(original string, startMode router.Mode, rest []string) ([]string, error) {
	done := strings.TrimSpace(strings.Join(rest, ""))
	pieces := router.SplitStatements(original, startMode)
	for k := len(pieces) - 1; k >= 0; k-- {
		suffix := strings.Join(pieces[k:], "")
		was, err := router.ExpandExecutableComments(suffix, s.srv.shardVersion(), startMode)
		if err != nil || strings.TrimSpace(was) != done {
			continue
		}
		text, err := s.expandComments(suffix)
		if err != nil {
			return nil, err
		}
		return router.SplitStatements(text, s.parseMode()), nil
	}
	return nil, errNotSupported("a query of several statements whose executable comments span statements, after a statement that changes sql_mode or the character set, is not supported: send the statements after it in a query of their own")
}

// multiStatementsOn: the client may send several statements in a query.
func (s *Session) multiStatementsOn() bool {
	if s.multiOpt != nil {
		return *s.multiOpt
	}
	return s.conn.Capability()&mysql.CLIENT_MULTI_STATEMENTS != 0
}

// setOption answers COM_SET_OPTION: multi-statements on (0) or off (1).
func (s *Session) setOption(payload []byte) error {
	if len(payload) < 2 || payload[1] != 0 || payload[0] > 1 {
		return s.writeErr(mysql.NewError(mysql.ER_UNKNOWN_COM_ERROR, "Unknown command"))
	}
	on := payload[0] == 0
	s.multiOpt = &on
	return s.writeEOF()
}
