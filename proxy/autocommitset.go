package proxy

import (
	"context"
	"strings"

	"github.com/xaproxy/xaproxy/backend"
)

// autocommitValue is what assigning value to autocommit gives. A plain
// ON, OFF, 0, 1, TRUE or FALSE is read here; any other value (DEFAULT, a
// user or global variable, an expression, a bad value) is assigned on a
// pooled connection to the session's shard, never a transaction branch,
// so that MariaDB evaluates it, or refuses it with its own error (1231,
// 1232), and the result is read back.
func (s *Session) autocommitValue(ctx context.Context, value string) (bool, error) {
	if on, ok := autocommitLiteral(value); ok {
		return on, nil
	}
	if strings.ContainsRune(value, '(') {
		// A function or a subquery would run on that connection, outside
		// the session's transaction: a stored function's writes would be
		// left in the pool, a read would not see the transaction's rows.
		return false, errNotSupported("SET autocommit to an expression with a function call or a subquery is not supported: xaproxy evaluates it away from the session's transaction; use ON, OFF, 0, 1, DEFAULT or a variable")
	}
	shard := s.setShard()
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return false, err
	}
	defer s.release(c)
	if _, err := c.Exec(ctx, "SET @@session.autocommit = "+value); err != nil {
		return false, shardErr(shard, err)
	}
	on, err := readAutocommit(ctx, c)
	// Back to the session's own setting, which the connection's record
	// says it has (the pool has no transaction open on it).
	if err == nil {
		_, err = c.Exec(ctx, "SET @@session.autocommit = "+boolDigit(s.autocommit))
	}
	if err != nil {
		c.MarkBroken()
		return false, shardErr(shard, err)
	}
	return on, nil
}

// readAutocommit reads the connection's autocommit.
func readAutocommit(ctx context.Context, c *backend.Conn) (bool, error) {
	vals, err := readVars(ctx, c, []string{"@@session.autocommit"})
	if err != nil {
		return false, err
	}
	return vals[0].Value == "1", nil
}

// autocommitLiteral reads the values that need no server: ON, OFF, 0, 1,
// TRUE, FALSE, bare or as a quoted identifier (the parser renders ON and
// OFF as `ON` and `OFF`).
func autocommitLiteral(v string) (on, ok bool) {
	if len(v) > 2 && v[0] == '`' && v[len(v)-1] == '`' {
		v = v[1 : len(v)-1]
	}
	return boolWord(v)
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
