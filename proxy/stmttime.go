package proxy

import (
	"strconv"
	"time"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// One MariaDB gives all rows of a statement the time the statement started:
// NOW(6) is the same in every row of a SELECT, and an UPDATE stores one
// ON UPDATE CURRENT_TIMESTAMP(6) in all the rows it changes. A statement
// that runs on several shards starts on each at its own moment, so its
// rows would show two or more times (with whole seconds, at a second's
// turn). For such a statement that may read the time
// (router.Router.ObservesStatementTime) the proxy sets the session's
// timestamp to its own clock's time on every shard it runs on, as
// MariaDB's SET timestamp does for a replicated statement; the next
// statement on those connections brings them back (the session state
// without it). A session that set its own timestamp keeps it.

// varTimestamp is the session variable MariaDB takes the statement's time
// from while it is set.
const varTimestamp = "@@session.timestamp"

// timePinned tells whether the running statement's time is pinned: its state
// holds at least the timestamp.
func (s *Session) timePinned() bool { return s.clock.Key() != "" }

// shardState is the state the running statement's shard connections are
// brought to.
func (s *Session) shardState() backend.State {
	if s.timePinned() {
		return s.clock
	}
	return s.vars
}

// noteVarsOn records assignments the running statement made on c, which
// holds them already: in the session's variables and, while the
// statement's time is pinned, in the state its connections hold (which c's
// next Sync starts from: with s.vars alone it would never reset the
// timestamp).
func (s *Session) noteVarsOn(c *backend.Conn, vals ...backend.Var) {
	s.vars = s.vars.With(vals...)
	if s.timePinned() {
		s.clock = s.clock.With(vals...)
	}
	c.NoteState(s.shardState())
}

// pinStatementTime gives the shards of st one time when st runs on several
// of them and may read it; the returned function ends it.
func (s *Session) pinStatementTime(st *router.Statement, ex *router.Exec) (end func()) {
	if !spansShards(ex) || !s.srv.router.ObservesStatementTime(st, s.db) {
		return func() {}
	}
	if _, own := s.vars.Get(varTimestamp); own {
		return func() {}
	}
	s.clock = s.vars.With(backend.Var{Name: varTimestamp, Value: timestampValue(time.Now())})
	return func() { s.clock = backend.State{} }
}

// timestampValue is t as SET timestamp takes it: seconds since the epoch,
// with microseconds.
func timestampValue(t time.Time) string {
	us := t.UnixMicro()
	frac := strconv.FormatInt(us%1_000_000+1_000_000, 10)[1:]
	return strconv.FormatInt(us/1_000_000, 10) + "." + frac
}

// spansShards tells whether ex runs on more than one shard.
func spansShards(ex *router.Exec) bool {
	if ex.Load != nil {
		return len(ex.Load.Shards) > 1
	}
	for _, p := range ex.Parts[min(1, len(ex.Parts)):] {
		if p.Shard != ex.Parts[0].Shard {
			return true
		}
	}
	return false
}
