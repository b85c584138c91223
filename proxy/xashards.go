package proxy

import (
	"context"
	"fmt"

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

type recoveryConn struct{ *backend.Conn }

// Recover lists the prepared branches of xaproxy's format on the shard.
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
