package proxy

import (
	"context"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// refusalOrShardError is the answer to a SELECT, or a statement the
// parser could not read, that the router refused (1235): MariaDB's own
// error where the statement is wrong on any server (an unknown column in
// HAVING, an ORDER BY position out of range, a syntax error: COMMIT AND
// NO RELEASE), which a PREPARE of the client's text on the default shard
// tells without running it; else the refusal. Only on the refusal path:
// nothing is asked of a shard for a statement that plans.
func (s *Session) refusalOrShardError(ctx context.Context, st *router.Statement, sql string, refusal error) error {
	me, ok := backend.ServerError(refusal)
	if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || st == nil {
		return refusal
	}
	switch st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		if st.Kind != router.KindUnparsed {
			return refusal
		}
	}
	return s.statementFaultOr(ctx, sql, refusal)
}

// statementFaultOr is the error a PREPARE of sql on the default shard
// gives where it is a statementFault; else err.
func (s *Session) statementFaultOr(ctx context.Context, sql string, err error) error {
	_, perr := s.prepareOn(ctx, s.srv.router.DefaultShard(s.db), sql)
	if pe, ok := backend.ServerError(perr); ok && statementFault(pe.Code) {
		return pe
	}
	return err
}

// statementFault tells the errors a PREPARE gives for a statement that no
// server runs: its names, grouping or shape are wrong, wherever its rows
// are. A missing table or routine is not one: the default shard may not
// hold them.
func statementFault(code uint16) bool {
	switch code {
	case mysql.ER_PARSE_ERROR, mysql.ER_BAD_FIELD_ERROR, mysql.ER_NON_UNIQ_ERROR,
		mysql.ER_WRONG_GROUP_FIELD, mysql.ER_INVALID_GROUP_FUNC_USE, mysql.ER_WRONG_FIELD_WITH_GROUP,
		mysql.ER_MIX_OF_GROUP_FUNC_AND_FIELDS, mysql.ER_NON_GROUPING_FIELD_USED, mysql.ER_ILLEGAL_REFERENCE,
		mysql.ER_WRONG_USAGE, mysql.ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT, mysql.ER_OPERAND_COLUMNS:
		return true
	}
	return false
}

// clientTextError is the error of a merged read whose shards refused the
// statements the proxy wrote for them: where that is about the statement
// itself (an unknown column), MariaDB's error for the client's own text,
// which names the clause the client wrote (ORDER BY, not the select list
// the proxy moved the column to). A PREPARE of that text on the default
// shard tells, on this error path only.
func (s *Session) clientTextError(ctx context.Context, err error) error {
	se, ok := backend.ServerError(err)
	if !ok || !statementFault(se.Code) || s.cur.sql == "" {
		return err
	}
	return s.statementFaultOr(ctx, s.cur.sql, err)
}
