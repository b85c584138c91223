package router

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// MariaDB (10.5+) ends INSERT, REPLACE and DELETE with an optional
// RETURNING select list: the statement then answers with a result set of
// the rows it wrote or deleted instead of an OK packet. The TiDB parser
// does not know the clause, so it is cut off the text, the rest is parsed
// as the statement it is, and the list is parsed as a select list to be
// validated and searched for tables and LAST_INSERT_ID(). The shards always
// run the client's text (or a rewrite of the statement with the list as the
// client wrote it: column names come from its text).

// Returning is the RETURNING clause of a statement.
type Returning struct {
	// List is the clause's text after the keyword, as the client wrote it.
	List string
	// HasParams: the list holds ? markers.
	HasParams bool
	// ReadsTables: the list has subqueries that read tables.
	ReadsTables bool
	// seq: the per-server sequences the list calls (serverseq.go).
	seq SequenceUse
	// fields are the list's items (deletereturning.go orders by them).
	fields []*ast.SelectField
}

// checkReturning refuses a RETURNING list that reads tables in a write
// that is not wholly on one shard: each shard's subquery would see only
// its own rows.
func checkReturning(p *Plan) error {
	if r := p.Stmt.Returning; r != nil && r.ReadsTables && p.fixed == "" {
		return errUnsupported("subqueries in the RETURNING list of a write to a sharded or broadcast table are not supported: each shard would see only its own rows")
	}
	return nil
}

// splitReturning finds the RETURNING clause of an INSERT, REPLACE or
// DELETE: the keyword RETURNING (reserved in MariaDB, so never a bare
// name) outside string literals, quoted names, comments and parentheses.
// base is the statement before it, list the text after it.
func splitReturning(sql string) (base, list string, ok bool) {
	head := skipCommentsAndSpace(sql)
	if !isKeyword(head, "INSERT") && !isKeyword(head, "REPLACE") && !isKeyword(head, "DELETE") {
		return "", "", false
	}
	i := topLevelKeyword(sql, "RETURNING")
	if i < 0 {
		return "", "", false
	}
	return sql[:i], sql[i+len("RETURNING"):], true
}

// topLevelKeyword is the index of the first keyword kw (upper case) in sql
// outside string literals, quoted names, comments and parentheses; -1 if
// there is none, or the text ends inside a comment.
func topLevelKeyword(sql, kw string) int {
	depth := 0
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(sql, i)
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := indexFrom(sql, i+2, "*/")
			if end < 0 {
				return -1
			}
			i = end + 1
		case c == '#' || (c == '-' && sqllex.IsDashComment(sql[i:])):
			end := indexFrom(sql, i, "\n")
			if end < 0 {
				return -1
			}
			i = end
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && (c == kw[0] || c == kw[0]+'a'-'A') && (i == 0 || !sqllex.IsWordByte(sql[i-1])) && isKeyword(sql[i:], kw):
			return i
		}
	}
	return -1
}

// indexFrom is strings.Index of sub in s[from:], as an index of s.
func indexFrom(s string, from int, sub string) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// parseReturning classifies a statement with a RETURNING clause: base is
// the statement without it, list the clause's select list.
func (p *Parser) parseReturning(st *Statement, base, list string) (*Statement, error) {
	nodes, err := p.parse(base)
	if err == nil && len(nodes) == 0 {
		err = fmt.Errorf("RETURNING must follow an INSERT, REPLACE or DELETE")
	}
	if err != nil {
		st.Kind, st.ParseErr = KindUnparsed, err
		return st, nil
	}
	if len(nodes) > 1 {
		return nil, errMultiStatement()
	}
	// The parser reuses the slice of its results: take the node out
	// before the list is parsed.
	n := nodes[0]
	switch x := n.(type) {
	case *ast.InsertStmt:
	case *ast.DeleteStmt:
		if x.IsMultiTable {
			// MariaDB has no RETURNING for multi-table DELETE.
			err = fmt.Errorf("RETURNING is not supported with multi-table DELETE")
		}
	default:
		err = fmt.Errorf("RETURNING only follows INSERT, REPLACE or DELETE")
	}
	var sel *ast.SelectStmt
	if err == nil {
		sel, err = p.parseReturningList(list)
	}
	if err != nil {
		st.Kind, st.ParseErr = KindUnparsed, err
		return st, nil
	}
	classify(st, n)
	// The list's ? markers come after the statement's.
	numberParamsFrom(sel, len(paramOrders(n)))
	tables, lockFuncs, lastID, diag := collectTables(sel)
	st.Tables = append(st.Tables, tables...)
	st.LastInsertID |= lastID
	st.DiagRead = st.DiagRead || diag
	st.LastResult |= lastResultUse(sel)
	st.Identity |= identityUse(sel)
	st.Funcs = append(st.Funcs, calledFuncs(sel)...)
	if len(lockFuncs) > 0 {
		_, all, _, _ := collectTables(n)
		if all == nil {
			all = map[string]bool{}
		}
		for f := range lockFuncs {
			all[f] = true
		}
		st.ConnState = connState(n, all)
	}
	// A sequence its NEXTVAL names is no table read (serverseq.go).
	seqs := &seqNameFinder{}
	sel.Accept(seqs)
	st.Returning = &Returning{List: list, HasParams: HasParams(sel), ReadsTables: len(tables) > len(seqs.names), seq: sequencesIn(sel), fields: sel.Fields.Fields}
	return st, nil
}

// parseReturningList parses a RETURNING list as the select list of a
// SELECT without any other clause.
func (p *Parser) parseReturningList(list string) (*ast.SelectStmt, error) {
	nodes, err := p.parse("SELECT " + list)
	if err != nil {
		return nil, fmt.Errorf("the RETURNING list must be a list of expressions: %v", err)
	}
	if len(nodes) > 1 {
		return nil, errMultiStatement()
	}
	sel, ok := singleSelect(nodes)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) == 0 || sel.From != nil || sel.Where != nil ||
		sel.GroupBy != nil || sel.Having != nil || sel.OrderBy != nil || sel.Limit != nil ||
		sel.LockInfo != nil || sel.SelectIntoOpt != nil || sel.WindowSpecs != nil || sel.Distinct {
		return nil, fmt.Errorf("the RETURNING list must be a list of expressions and end the statement")
	}
	return sel, nil
}

func singleSelect(nodes []ast.StmtNode) (*ast.SelectStmt, bool) {
	if len(nodes) != 1 {
		return nil, false
	}
	sel, ok := nodes[0].(*ast.SelectStmt)
	return sel, ok
}

// returningText is the statement a shard runs for a rewritten write
// (base, printed by the router) with the client's RETURNING list.
func (st *Statement) returningText(base string) (string, error) {
	if st.Returning.HasParams {
		return "", errUnsupported("parameters in the RETURNING list of a statement that spans shards are not supported")
	}
	return base + " RETURNING" + st.Returning.List, nil
}
