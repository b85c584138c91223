package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
)

// RAND(N) with a seed gives a statement's rows the values of one sequence,
// in the order the server reads them. Over several shards each shard would
// start the sequence again, and the rows would repeat each other's values
// where one MariaDB gives them all different ones: such a statement is
// refused there (proxy/execute.go). RAND() without a seed is random on one
// server too. UUID_SHORT() counts up from the server's id and start time:
// shards with the same server_id give the same values, and even with
// distinct ones a statement's values would not increase as one server's
// do; refused over several shards too, a broadcast table's copies
// included (each copy would hold other values). NEXTVAL and SETVAL move a
// sequence that each shard holds on its own, if at all: refused over
// several shards as well.

// SequenceUse says which functions of a per-server sequence a statement
// calls.
type SequenceUse struct {
	SeededRand bool // RAND(N) with a constant seed, outside a row of VALUES
	UUIDShort  bool // UUID_SHORT()
	MovesSeq   bool // NEXTVAL (NEXT VALUE FOR) or SETVAL
	// Random is the first call of UUID(), SYS_GUID(), RAND() without a
	// seed, RANDOM_BYTES() or SYSDATE(), or read of a server's own
	// variable (@@server_id, ...), "" if none: each server has its own
	// value, so the copies of a broadcast table written with one would
	// differ (SET timestamp, which makes NOW() one value, does not reach
	// SYSDATE()).
	Random string
}

// ServerSequences tells which of them st calls, its RETURNING list
// included.
func ServerSequences(st *Statement) SequenceUse {
	if st == nil {
		return SequenceUse{}
	}
	if st.checked {
		return st.sequences
	}
	return findSequences(st)
}

// sequenceFinder finds the functions of a per-server sequence.
type sequenceFinder struct{ SequenceUse }

func findSequences(st *Statement) SequenceUse {
	f := &sequenceFinder{}
	switch n := st.Node.(type) {
	case nil:
	case *ast.InsertStmt:
		// Each row of VALUES (or SET) has its own RAND(N), evaluated once:
		// as on one server, wherever the row goes. Its ON DUPLICATE KEY
		// UPDATE and SELECT evaluate theirs once per row.
		rows := &sequenceFinder{}
		for _, l := range n.Lists {
			for _, e := range l {
				e.Accept(rows)
			}
		}
		f.UUIDShort, f.MovesSeq, f.Random = rows.UUIDShort, rows.MovesSeq, rows.Random
		for _, a := range n.OnDuplicate {
			a.Accept(f)
		}
		if n.Select != nil {
			n.Select.Accept(f)
		}
	default:
		st.Node.Accept(f)
	}
	if st.Returning != nil {
		// The RETURNING list, parsed apart (returning.go).
		f.SeededRand = f.SeededRand || st.Returning.seq.SeededRand
		f.UUIDShort = f.UUIDShort || st.Returning.seq.UUIDShort
		f.MovesSeq = f.MovesSeq || st.Returning.seq.MovesSeq
		// Not Random: what RETURNING computes is not stored.
	}
	return f.SequenceUse
}

// RandomWrite returns the call in st whose value each server computes
// anew (SequenceUse.Random; "" if none) when st stores what it computes
// in rows: a write, or an ALTER TABLE ... ADD COLUMN (which fills the
// rows with its default). Run on every copy of a broadcast table, it would make the
// copies differ. A CREATE stores the expression, not a value.
func RandomWrite(st *Statement) string {
	switch n := st.Node.(type) {
	case *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt, *ast.LoadDataStmt:
		return ServerSequences(st).Random
	case *ast.CreateTableStmt:
		if n.Select != nil { // CREATE TABLE ... SELECT stores its rows
			return ServerSequences(st).Random
		}
	case *ast.AlterTableStmt:
		// Only a new column fills the rows; a new default is stored as
		// written.
		for _, spec := range n.Specs {
			if spec.Tp == ast.AlterTableAddColumns {
				return ServerSequences(st).Random
			}
		}
	}
	return ""
}

// sequencesIn walks one node.
func sequencesIn(n ast.Node) SequenceUse {
	f := &sequenceFinder{}
	n.Accept(f)
	return f.SequenceUse
}

func (f *sequenceFinder) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*ast.FuncCallExpr); ok {
		switch {
		case x.FnName.L == "rand" && len(x.Args) > 0 && !readsColumns(x.Args[0]):
			// A seed from the row's columns seeds each call anew
			// (MariaDB: a seed that is not constant): the same values
			// on any shard.
			f.SeededRand = true
		case x.FnName.L == "uuid_short":
			f.UUIDShort = true
		case x.FnName.L == "nextval" || x.FnName.L == "setval":
			f.MovesSeq = true
		case catalog.PerServerFunc(x.FnName.L):
			if f.Random == "" && (x.FnName.L != "rand" || len(x.Args) == 0) {
				f.Random = strings.ToUpper(x.FnName.L) + "()"
			}
		}
	}
	if v, ok := n.(*ast.VariableExpr); ok && v.IsSystem && f.Random == "" && catalog.PerServerVar(v.Name) {
		f.Random = "@@" + strings.ToLower(v.Name)
	}
	return n, false
}

func (f *sequenceFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// readsColumns tells whether e names a column.
func readsColumns(e ast.ExprNode) bool {
	return anyNode(e, func(n ast.Node) bool {
		_, ok := n.(*ast.ColumnNameExpr)
		return ok
	})
}

// checkSequenceHomes refuses a statement, about to run as ex, that moves
// a sequence on a shard lacking it: a sequence is an unsharded table on
// its schema's default shard, and a statement over a sharded table routed
// elsewhere (SELECT k, NEXTVAL(sq) FROM t WHERE k = 1) would answer that
// shard's "Table doesn't exist" where one server gives the value.
func (r *Router) checkSequenceHomes(st *Statement, db string, ex *Exec) error {
	if !ServerSequences(st).MovesSeq {
		return nil
	}
	for _, t := range sequencesNamed(st) {
		schema := t.In(db)
		if schema == "" {
			continue // one server: no database selected
		}
		_, on := r.placedOn(schema, t.Name)
		if s := shardOutside(ex, on); s != "" {
			return errUnsupported("NEXTVAL, NEXT VALUE FOR and SETVAL of sequence %s.%s, which only shard(s) %s hold, in a statement that runs on shard %s are not supported; take the value in a statement of its own (SELECT NEXTVAL(%s)) and write it",
				schema, t.Name, strings.Join(on, ", "), s, t.Name)
		}
	}
	return nil
}

// sequencesNamed lists the sequences st's NEXTVAL, NEXT VALUE FOR and
// SETVAL calls name, its RETURNING list's included.
func sequencesNamed(st *Statement) []TableRef {
	f := &seqNameFinder{}
	if st.Node != nil {
		st.Node.Accept(f)
	}
	if st.Returning != nil {
		for _, fl := range st.Returning.fields {
			fl.Accept(f)
		}
	}
	return f.names
}

type seqNameFinder struct{ names []TableRef }

func (f *seqNameFinder) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*ast.FuncCallExpr); ok && (x.FnName.L == "nextval" || x.FnName.L == "setval") && len(x.Args) > 0 {
		if t, ok := x.Args[0].(*ast.TableNameExpr); ok && t.Name != nil {
			f.names = append(f.names, TableRef{Schema: t.Name.Schema.O, Name: t.Name.Name.O})
		}
	}
	return n, false
}

func (f *seqNameFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }
