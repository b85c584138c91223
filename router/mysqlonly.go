package router

import (
	"errors"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// mysqlOnly is why a statement the TiDB parser read is MySQL 8's syntax,
// which MariaDB 10.11 answers with 1064; nil for MariaDB's. Such a
// statement is left unread (the parse failed), so that it gets MariaDB's
// answer: over sharded tables the router would otherwise run it as the
// tree it resembles (TABLE t as SELECT * FROM t).
func mysqlOnly(n ast.StmtNode, sql string, m sqllex.Mode) error {
	var why error
	anyNode(n, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TableSource); ok && ts.Lateral {
			why = errors.New("LATERAL derived tables are MySQL's, which MariaDB does not have")
			return true
		}
		s, ok := n.(*ast.SelectStmt)
		switch {
		case !ok:
		case s.Kind == ast.SelectStmtKindTable:
			why = errors.New("TABLE t is MySQL's statement, which MariaDB does not have (SELECT * FROM t is)")
		case s.Kind == ast.SelectStmtKindValues:
			why = errors.New("VALUES ROW(...) is MySQL's statement, which MariaDB does not have")
		case s.LockInfo != nil && len(s.LockInfo.Tables) > 0:
			why = errors.New("FOR UPDATE OF and FOR SHARE OF are MySQL's, which MariaDB does not have")
		}
		return why != nil
	})
	if why == nil {
		why = mysqlOnlyText(sql, m)
	}
	return why
}

// mysqlOnlyText finds MySQL's forms the TiDB parser reads as MariaDB's:
// FOR SHARE as LOCK IN SHARE MODE, the JSON operators -> and ->> as
// JSON_EXTRACT and JSON_UNQUOTE.
func mysqlOnlyText(sql string, m sqllex.Mode) error {
	toks := sqllex.Tokens(sql, m, 0)
	for i := 1; i < len(toks); i++ {
		switch {
		case toks[i].Is("SHARE") && toks[i-1].Is("FOR"):
			return errors.New("FOR SHARE is MySQL's, which MariaDB does not have (LOCK IN SHARE MODE is)")
		case toks[i].Is(">") && toks[i-1].Is("-") && toks[i-1].End == toks[i].End-1:
			return errors.New("the JSON operators -> and ->> are MySQL's, which MariaDB does not have (JSON_EXTRACT and JSON_UNQUOTE are)")
		}
	}
	return nil
}
