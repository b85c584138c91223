package router

// ExecOp is how the executor runs a bound plan: decided once by the router
// when it binds, so that the proxy switches on it instead of working it out
// again from the Exec's fields.
type ExecOp int

// Exec operations.
const (
	// ExecSingle: the client's own statement on one shard; its answer is
	// relayed untouched.
	ExecSingle ExecOp = iota
	// ExecRewritten: one shard runs the router's SQL (Parts[0].SQL), which
	// answers in the text protocol.
	ExecRewritten
	// ExecMerge: a SELECT on several shards whose rows Merge combines.
	ExecMerge
	// ExecShowTables: SHOW TABLES answers merged into the logical list.
	ExecShowTables
	// ExecWrite: a write on several shards; the OK packets are summed.
	ExecWrite
	// ExecCopies: a write of the same rows to every copy of a broadcast
	// table; the client is told one copy's count.
	ExecCopies
	// ExecDDL: a schema change run on each shard in turn, failures
	// reported per shard.
	ExecDDL
	// ExecReturning: a write with RETURNING on several shards whose result
	// sets make one answer.
	ExecReturning
	// ExecAnswer: a read of the session's own last statement (its
	// diagnostics, FOUND_ROWS(), ROW_COUNT(), and LAST_INSERT_ID() beside
	// them), answered by the proxy with
	// the column definitions a shard gives the same text.
	ExecAnswer
	// ExecUserLock: user-level lock functions, run in the one place every
	// session shares (the first shard).
	ExecUserLock
	// ExecChecksum: CHECKSUM TABLE of a sharded table on each of its
	// shards, the checksums added up.
	ExecChecksum
)

var execOpNames = [...]string{"single", "rewritten", "merge", "show_tables", "write", "copies", "ddl", "returning", "answer", "user_lock", "checksum"}

func (o ExecOp) String() string {
	if int(o) < len(execOpNames) {
		return execOpNames[o]
	}
	return "unknown"
}

// execOp is the operation that runs e: what the statement itself needs
// first (a read the session answers, user-level locks), then how e's parts
// combine.
func (p *Plan) execOp(e *Exec) ExecOp {
	switch st := p.Stmt; {
	case st == nil:
	case st.DiagRead || st.LastResult != 0:
		return ExecAnswer
	case st.ConnState.UserLocks():
		return ExecUserLock
	}
	return e.classify()
}

// classify is the operation of a bound exec. The order of the cases is the
// order in which they take precedence (a RETURNING write to broadcast
// copies is ExecReturning).
func (e *Exec) classify() ExecOp {
	switch {
	case e.Single():
		return ExecSingle
	case e.Checksum:
		return ExecChecksum
	case e.Returning != nil:
		return ExecReturning
	case e.DDL:
		return ExecDDL
	case e.ShowTables != nil:
		return ExecShowTables
	case e.Merge != nil:
		return ExecMerge
	case len(e.Parts) == 1:
		return ExecRewritten
	case e.Copies:
		return ExecCopies
	}
	return ExecWrite
}
