package router

import "github.com/pingcap/tidb/pkg/parser/ast"

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

// SeedsRand tells whether st calls RAND with a seed.
func SeedsRand(st *Statement) bool {
	if st == nil {
		return false
	}
	if st.checked {
		return st.seededRand
	}
	return seedsRand(st)
}

// CallsUUIDShort tells whether st calls UUID_SHORT().
func CallsUUIDShort(st *Statement) bool {
	if st == nil {
		return false
	}
	if st.checked {
		return st.uuidShort
	}
	return findSequences(st).uuidShort
}

// MovesSequence tells whether st calls NEXTVAL (NEXT VALUE FOR) or SETVAL.
func MovesSequence(st *Statement) bool {
	if st == nil {
		return false
	}
	if st.checked {
		return st.movesSeq
	}
	return findSequences(st).movesSeq
}

func seedsRand(st *Statement) bool { return findSequences(st).seededRand }

// sequenceFinder finds the functions of a per-server sequence.
type sequenceFinder struct{ seededRand, uuidShort, movesSeq bool }

func findSequences(st *Statement) sequenceFinder {
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
		f.uuidShort, f.movesSeq = rows.uuidShort, rows.movesSeq
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
		f.seededRand = f.seededRand || st.Returning.seq.seededRand
		f.uuidShort = f.uuidShort || st.Returning.seq.uuidShort
		f.movesSeq = f.movesSeq || st.Returning.seq.movesSeq
	}
	return *f
}

// sequencesIn walks one node.
func sequencesIn(n ast.Node) sequenceFinder {
	f := &sequenceFinder{}
	n.Accept(f)
	return *f
}

func (f *sequenceFinder) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*ast.FuncCallExpr); ok {
		switch {
		case x.FnName.L == "rand" && len(x.Args) > 0 && !readsColumns(x.Args[0]):
			// A seed from the row's columns seeds each call anew
			// (MariaDB: a seed that is not constant): the same values
			// on any shard.
			f.seededRand = true
		case x.FnName.L == "uuid_short":
			f.uuidShort = true
		case x.FnName.L == "nextval" || x.FnName.L == "setval":
			f.movesSeq = true
		}
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
