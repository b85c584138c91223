package proxy

import (
	"strings"

	"github.com/xaproxy/xaproxy/router"
)

// searchRepeats tells whether looking for a failed write's first failure
// (firstFailureOf, pinFailure: parts and rows run again, then rolled back
// to a savepoint) would keep what it ran: a table of the statement whose
// engine is not InnoDB (Aria, MyISAM) keeps the rows a rollback does not
// undo, and rows run again then fail on themselves (a duplicate of a row
// the part's first run left). Such a write is answered from what already
// ran, or refused. (A trigger of a sharded table reaching another table
// is refused before it runs: router/routines.go.)
func (s *Session) searchRepeats(st *router.Statement) bool {
	cat := s.srv.router.Catalog()
	for _, t := range st.Tables {
		if tb := cat.Table(s.schemaOf(t.Schema), t.Name); tb != nil && tb.Engine != "" && !strings.EqualFold(tb.Engine, "InnoDB") {
			return true
		}
	}
	return false
}
