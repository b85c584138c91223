package proxy

import (
	"context"
	"fmt"

	"github.com/xaproxy/xaproxy/backend"
)

// A check part (runCheckPart) runs rows one server may never reach: it
// stops at the earlier failing row, without waiting on the locks the check
// waits on. So a check waits on a lock briefly (checkLockWait seconds),
// and a timeout there leaves its outcome unknown rather than ending the
// transaction or holding the answer back for the session's whole timeout.
const checkLockWait = 1

// shortLockWait bounds c's row and metadata lock waits to checkLockWait
// and returns what sets the session's own values back (the proxy's
// variable sync believes c holds them).
func shortLockWait(ctx context.Context, c *backend.Conn) (restore func(context.Context) error, err error) {
	own, err := readVars(ctx, c, []string{"@@session.innodb_lock_wait_timeout", "@@session.lock_wait_timeout"})
	if err != nil {
		return nil, err
	}
	if _, err := c.Exec(ctx, fmt.Sprintf("SET SESSION innodb_lock_wait_timeout = %d, SESSION lock_wait_timeout = %d", checkLockWait, checkLockWait)); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := c.Exec(ctx, fmt.Sprintf("SET SESSION innodb_lock_wait_timeout = %s, SESSION lock_wait_timeout = %s", own[0].Value, own[1].Value))
		if err != nil {
			// Its values are not the ones the proxy's sync believes: it
			// must not serve another statement (review).
			c.MarkBroken()
		}
		return err
	}, nil
}
