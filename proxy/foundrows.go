package proxy

import (
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// A client that connects with CLIENT_FOUND_ROWS (Go's clientFoundRows,
// JDBC, mysql2) counts the rows an UPDATE matched, not the rows it changed.
// Backend connections are shared, so they never ask for it; the UPDATE's OK
// packet says both in its info text ("Rows matched: 3  Changed: 1
// Warnings: 0"), which gives the client's count.

// affectedForClient is the affected-rows count of an OK packet as this
// session's client counts it.
func (s *Session) affectedForClient(affected uint64, info string) uint64 {
	if s.conn == nil || s.conn.Capability()&mysql.CLIENT_FOUND_ROWS == 0 {
		return affected
	}
	if m, ok := matchedRows(info); ok {
		return m
	}
	return affected
}

// matchedRows reads "Rows matched: N" from an UPDATE's OK info.
func matchedRows(info string) (uint64, bool) {
	const prefix = "Rows matched: "
	rest, ok := strings.CutPrefix(info, prefix)
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	n, err := strconv.ParseUint(rest[:end], 10, 64)
	return n, err == nil
}
