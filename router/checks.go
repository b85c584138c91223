package router

// The session checks every statement against what the proxy refuses
// (LASTVAL, file access) before running it. A cached plan's statement and
// a prepared statement run many times, so the answers are worked out once,
// when Parse builds the statement (a regexp and a tree walk cost 5% of a
// point select's CPU when done per execution). A Statement built by other
// means has checked false and is examined at each call.

// statementChecks are those answers.
type statementChecks struct {
	checked   bool
	seqLast   bool        // ReadsSequenceLast
	fileUse   string      // FileAccess
	timeRead  bool        // readsStatementTime
	sequences SequenceUse // ServerSequences
}

// noteChecks records the checks of a statement Parse just built. Nothing
// changes a statement's text or tree after Parse in a way these depend on:
// binding replaces parameter markers with values only.
func (st *Statement) noteChecks() {
	st.seqLast = sequenceLastRE.MatchString(st.SQL)
	st.fileUse = fileAccess(st)
	st.timeRead = readsStatementTime(st)
	st.sequences = findSequences(st)
	st.checked = true
}
