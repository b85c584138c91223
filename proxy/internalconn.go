package proxy

import (
	"context"

	"github.com/xaproxy/xaproxy/backend"
)

// The proxy's own reads on pooled connections (the schema catalog,
// information_schema gathering, AUTO_INCREMENT maxima) must not depend on
// what the last session left on the connection: after a session's SET NAMES
// latin1, names would come back in latin1, and its sql_mode could change
// how the reads parse. They run in one fixed state: the server's defaults
// with utf8mb4 text.
func internalState() backend.State {
	return backend.State{}.With(backend.CharsetVars("utf8mb4", "utf8mb4_general_ci", true)...)
}

// acquireInternal takes a pooled connection of shard in internalState;
// the caller releases it to srv.pools[shard].
func (srv *Server) acquireInternal(ctx context.Context, shard string) (*backend.Conn, error) {
	pool := srv.pools[shard]
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Sync(ctx, "", internalState()); err != nil {
		pool.Release(c) // Sync marked it broken: the pool drops it
		return nil, err
	}
	return c, nil
}
