package router

import (
	"regexp"
	"strings"
)

// HANDLER cursors live in the MariaDB connection that opened them
// (docs/session-state.md, treatment 3): the proxy pins it. The TiDB parser
// does not know HANDLER; the statement is read here far enough to tell what
// it does and to which name.
var handlerRE = regexp.MustCompile("(?is)^HANDLER\\s+(`[^`]+`|[A-Za-z0-9_$]+)(?:\\s*\\.\\s*(`[^`]+`|[A-Za-z0-9_$]+))?\\s+(OPEN|READ|CLOSE)\\b(?:\\s+AS\\s+(`[^`]+`|[A-Za-z0-9_$]+))?")

// classifyHandler fills in what a HANDLER statement does; false if head is
// not one.
func classifyHandler(st *Statement, head string) bool {
	m := handlerRE.FindStringSubmatch(head)
	if m == nil {
		return false
	}
	unquote := func(s string) string { return strings.Trim(s, "`") }
	schema, name := "", unquote(m[1])
	if m[2] != "" {
		schema, name = name, unquote(m[2])
	}
	switch strings.ToUpper(m[3]) {
	case "OPEN":
		st.ConnState = ConnStateHandlerOpen
		st.Tables = []TableRef{{Schema: schema, Name: name}}
		st.Handler = strings.ToLower(name)
		if m[4] != "" {
			st.Handler = strings.ToLower(unquote(m[4]))
		}
	case "READ":
		st.ConnState, st.Handler = ConnStateHandlerUse, strings.ToLower(name)
	default:
		st.ConnState, st.Handler = ConnStateHandlerClose, strings.ToLower(name)
	}
	return true
}

// planHandler routes HANDLER ... OPEN to the shard of its table (only an
// unsharded table: a sharded one has no single cursor); READ and CLOSE
// run where the session opened the name, which the proxy knows, so their
// plan names the default shard only as a placeholder.
func (r *Router) planHandler(p *Plan, st *Statement, user, db string) error {
	if st.ConnState != ConnStateHandlerOpen {
		p.fixed = r.DefaultShard(db)
		return nil
	}
	t, err := r.resolve(st.Tables[0].Schema, st.Tables[0].Name, user, db)
	if err != nil {
		return err
	}
	if t.table != nil {
		return errUnsupported("HANDLER on %s is not supported: it is a sharded or broadcast table, whose rows are on several shards, and a HANDLER cursor reads one table on one server", st.Tables[0].Name)
	}
	p.fixed = r.tableHome(t, db)
	return nil
}

// sequenceLastRE finds LASTVAL(seq) and PREVIOUS VALUE FOR seq.
var sequenceLastRE = regexp.MustCompile(`(?i)\bLASTVAL\s*\(|\bPREVIOUS\s+VALUE\s+FOR\b`)

// ReadsSequenceLast: the statement reads the last value NEXTVAL gave the
// connection for a sequence, which lives in whichever pooled connection
// ran the NEXTVAL (treatment 4: refused; the value NEXTVAL returned is
// the client's to keep).
func ReadsSequenceLast(st *Statement) bool {
	if st.checked {
		return st.seqLast
	}
	return sequenceLastRE.MatchString(st.SQL)
}
