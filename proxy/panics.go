package proxy

import (
	"runtime/debug"
)

// A panic while serving a client is a bug: the proxy recovers it so that
// one connection cannot take the others down, but never treats it as an
// answer. Every recovered panic is logged with its stack, counted
// (xaproxy_sessions_closed_total{reason="panic"}) and reported to
// Server.onPanic, which tests (the fuzz target above all) set to fail.

// notePanic records a panic recovered while serving conn id (0 during the
// handshake) at where.
func (s *Server) notePanic(where string, id uint32, r any) {
	stack := debug.Stack()
	s.log.Error("panic while serving a client; connection closed", "where", where, "conn", id, "panic", r, "stack", string(stack))
	s.metrics.closed.WithLabelValues("panic").Inc()
	if s.onPanic != nil {
		s.onPanic(where, r, stack)
	}
}
