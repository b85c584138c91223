package integration

import (
	"testing"
	"time"
)

// TestOneShotTxVariables: SET @@tx_isolation and SET @@tx_read_only with
// no scope are MariaDB's SET TRANSACTION: for the next transaction only,
// refused inside one (1568); with SESSION, or without @@, the session's.
// The proxy recorded the scope-less form as the session's (found by a
// differential hunt: every later transaction READ COMMITTED).
func TestOneShotTxVariables(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t, "CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"INSERT INTO sw VALUES (1, 10), (2, 20), (3, 30)")
	steps := []scriptStep{
		{0, "SET @@tx_isolation = 'READ-COMMITTED'", nil},
		{0, "SELECT @@tx_isolation, @@session.tx_isolation", nil},
		{0, "BEGIN", nil},
		{0, "SELECT k FROM sw WHERE id = 1", nil},
		{1, "UPDATE sw SET k = k + 1 WHERE id = 1", nil},
		{0, "SELECT k FROM sw WHERE id = 1", nil}, // READ COMMITTED: 11
		{0, "SET @@tx_isolation = 'SERIALIZABLE'", nil},
		{0, "SELECT @@tx_isolation", nil},
		{0, "COMMIT", nil},
		{0, "SELECT @@tx_isolation", nil},
		{0, "BEGIN", nil},
		{0, "SELECT k FROM sw WHERE id = 1", nil},
		{1, "UPDATE sw SET k = k + 1 WHERE id = 1", nil},
		{0, "SELECT k FROM sw WHERE id = 1", nil}, // REPEATABLE READ again: 11
		{0, "COMMIT", nil},
		{0, "SET @@tx_read_only = 1", nil},
		{0, "SELECT @@tx_read_only", nil},
		{0, "BEGIN", nil},
		{0, "UPDATE sw SET k = 0 WHERE id = 2", nil}, // 1792
		{0, "COMMIT", nil},
		{0, "UPDATE sw SET k = 21 WHERE id = 2", nil},
		{0, "SET @@TX_ISOLATION = DEFAULT", nil},
		{0, "SET @@session.tx_isolation = 'READ-COMMITTED'", nil},
		{0, "SELECT @@tx_isolation", nil},
		{0, "SET tx_isolation = 'REPEATABLE-READ'", nil},
		{0, "SELECT @@tx_isolation", nil},
		{0, "SET @@tx_isolation = 'BOGUS'", nil},
		{0, "SET @@transaction_isolation = 'READ-COMMITTED'", nil}, // 1193 on 10.11
		{0, "SELECT id, k FROM sw ORDER BY id", nil},
	}
	compareSessions(ctx, t, proxy, direct, 2, steps)
}
