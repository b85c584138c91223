package proxy

import (
	"fmt"
	"time"
)

// writeStatistics answers COM_STATISTICS (mysqladmin status, the CLI's
// \s) with the proxy's own figures, in MariaDB's format: one string, no
// packet header byte.
func (s *Session) writeStatistics() error {
	srv := s.srv
	up := time.Since(srv.started)
	srv.mu.Lock()
	threads := len(srv.sessions)
	srv.mu.Unlock()
	questions := srv.questions.Load()
	qps := 0.0
	if secs := up.Seconds(); secs > 0 {
		qps = float64(questions) / secs
	}
	msg := fmt.Sprintf("Uptime: %d  Threads: %d  Questions: %d  Slow queries: %d  Opens: 0  Open tables: 0  Queries per second avg: %.3f",
		int64(up.Seconds()), threads, questions, srv.slowQueries.Load(), qps)
	return s.conn.WritePacket(append(s.buf[:4], msg...))
}
