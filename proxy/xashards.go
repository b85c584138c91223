package proxy

import (
	"context"
	"fmt"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/xa"
)

// recoveryShards gives recovery pooled connections to every shard.
type recoveryShards struct {
	names []string
	pools map[string]*backend.Pool
}

func (r recoveryShards) Names() []string { return r.names }

func (r recoveryShards) Conn(ctx context.Context, shard string) (xa.ShardConn, func(), error) {
	pool, ok := r.pools[shard]
	if !ok {
		return nil, nil, fmt.Errorf("unknown shard %s", shard)
	}
	// XA statements name their branch: any connection will do, whatever
	// database it has selected (AcquireDB("") would discard those).
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return recoveryConn{c}, func() { pool.Release(c) }, nil
}

// retryShards gives the XA coordinator's phase-two retries their
// connections (xa.Coordinator.Fresh). A retry follows a lost connection,
// so the shard's idle connections are pinged before use, as after any
// lost connection (Pool.Suspect): they may have died with it.
type retryShards struct{ recoveryShards }

func (r retryShards) Conn(ctx context.Context, shard string) (xa.ShardConn, func(), error) {
	if pool, ok := r.pools[shard]; ok {
		pool.Suspect()
	}
	return r.recoveryShards.Conn(ctx, shard)
}

type recoveryConn struct{ *backend.Conn }

// Recover lists the prepared branches of xaproxy's format on the shard, of
// every deployment (recovery tells its own apart by the gtrid).
func (c recoveryConn) Recover(ctx context.Context) ([]xa.XID, error) {
	r, err := c.Exec(ctx, "XA RECOVER")
	if err != nil {
		return nil, err
	}
	var out []xa.XID
	for i := range r.Values {
		formatID, _ := r.GetInt(i, 0)
		gl, _ := r.GetInt(i, 1)
		bl, _ := r.GetInt(i, 2)
		data, _ := r.GetString(i, 3)
		if x, ours := xa.ParseRecoverRow(formatID, gl, bl, []byte(data)); ours {
			out = append(out, x)
		}
	}
	return out, nil
}

// Boot is when the shard's server started, in seconds of its own clock: a
// change tells recovery that the shard restarted (xa/restart.go). One
// statement on MariaDB; MySQL 8 has no information_schema.GLOBAL_STATUS,
// so there it takes two, a second apart at most.
func (c recoveryConn) Boot(ctx context.Context) (int64, error) {
	r, err := c.Exec(ctx, "SELECT CAST(UNIX_TIMESTAMP() - CAST(VARIABLE_VALUE AS SIGNED) AS SIGNED) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'")
	if _, refused := backend.ServerError(err); refused {
		return c.bootApart(ctx)
	}
	if err != nil {
		return 0, err
	}
	if len(r.Values) != 1 {
		return 0, fmt.Errorf("shard %s: no Uptime status", c.Shard())
	}
	return r.GetInt(0, 0)
}

// bootApart reads the uptime and the time in two statements.
func (c recoveryConn) bootApart(ctx context.Context) (int64, error) {
	r, err := c.Exec(ctx, "SHOW GLOBAL STATUS LIKE 'Uptime'")
	if err != nil {
		return 0, err
	}
	if len(r.Values) != 1 {
		return 0, fmt.Errorf("shard %s: no Uptime status", c.Shard())
	}
	up, err := r.GetInt(0, 1)
	if err != nil {
		return 0, err
	}
	if r, err = c.Exec(ctx, "SELECT UNIX_TIMESTAMP()"); err != nil {
		return 0, err
	}
	now, err := r.GetInt(0, 0)
	return now - up, err
}

// Kill ends the backend connection thread if it belongs to the shard account
// this proxy uses: after a shard restart connection ids start again from 1,
// and another account's connection is never one of ours. A thread that is
// already gone is no error.
func (c recoveryConn) Kill(ctx context.Context, thread uint32) error {
	r, err := c.Exec(ctx, fmt.Sprintf("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %d AND USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) LIMIT 1", thread))
	if err != nil {
		return err
	}
	if n, _ := r.GetInt(0, 0); n == 0 {
		return nil
	}
	_, err = c.Exec(ctx, fmt.Sprintf("KILL CONNECTION %d", thread))
	if me, ok := backend.ServerError(err); ok && me.Code == mysql.ER_NO_SUCH_THREAD {
		return nil
	}
	if err != nil {
		return err
	}
	return c.waitGone(ctx, thread)
}

// killedThreadWait bounds the wait for a killed thread to end.
const killedThreadWait = 10 * time.Second

// waitGone waits until the killed thread has left the process list: KILL
// returns before the thread has let go of its prepared branch. (Not proof
// enough: the thread leaves the list a moment before InnoDB detaches its
// transaction; recovery also waits for Attached to drop it.)
func (c recoveryConn) waitGone(ctx context.Context, thread uint32) error {
	deadline := time.Now().Add(killedThreadWait)
	for {
		r, err := c.Exec(ctx, fmt.Sprintf("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %d LIMIT 1", thread))
		if err != nil {
			return err
		}
		if n, _ := r.GetInt(0, 0); n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("thread %d still listed %s after KILL CONNECTION", thread, killedThreadWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// attachedWait bounds the wait for a fresh read of INNODB_TRX.
const attachedWait = 5 * time.Second

// Attached returns the connection threads that hold an InnoDB transaction,
// from information_schema.INNODB_TRX (PROCESS privilege). InnoDB serves
// that table from a snapshot it refreshes only when nobody read it in the
// last 100 ms, so a read alone may predate the call: this connection opens
// a transaction of its own first and accepts only a read that lists it.
func (c recoveryConn) Attached(ctx context.Context) (map[uint32]bool, error) {
	deadline := time.Now().Add(attachedWait)
	for {
		att, fresh, err := c.attachedOnce(ctx)
		if me, ok := backend.ServerError(err); ok && me.Code == mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR {
			return nil, fmt.Errorf("information_schema.INNODB_TRX needs the PROCESS privilege: %w", err)
		}
		if err != nil || fresh {
			return att, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no fresh read of information_schema.INNODB_TRX within %s", attachedWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(120 * time.Millisecond): // past InnoDB's 100 ms snapshot age
		}
	}
}

// attachedOnce reads INNODB_TRX inside a transaction of this connection;
// fresh tells whether the read lists that transaction.
func (c recoveryConn) attachedOnce(ctx context.Context) (map[uint32]bool, bool, error) {
	if _, err := c.Exec(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		return nil, false, err
	}
	r, err := c.Exec(ctx, "SELECT trx_mysql_thread_id, trx_mysql_thread_id = CONNECTION_ID() FROM information_schema.INNODB_TRX LIMIT 18446744073709551615")
	if _, cerr := c.Exec(ctx, plainCommit); cerr != nil { // NO CHAIN: a pooled connection may carry a session's completion_type
		// Its snapshot transaction may be open still: never pooled again.
		c.MarkBroken()
		if err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, false, err
	}
	att := map[uint32]bool{}
	fresh := false
	for i := range r.Values {
		id, _ := r.GetUint(i, 0)
		self, _ := r.GetInt(i, 1)
		switch {
		case self == 1:
			fresh = true
		case id != 0: // 0: detached (prepared after a disconnect) or recovered
			att[uint32(id)] = true
		}
	}
	return att, fresh, nil
}
