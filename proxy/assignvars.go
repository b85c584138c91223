package proxy

import (
	"context"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// recordAssigned reads back the user variables st assigned on c (`@x :=`,
// `INTO @x`) and records them with the session's variables, as SET's are:
// by value, so that the next statement, on whatever connection, sees them.
// MariaDB keeps assignments made before a statement failed, so they are
// read after an error too.
func (s *Session) recordAssigned(ctx context.Context, c *backend.Conn, st *router.Statement) {
	if st == nil || len(st.AssignsVars) == 0 || c.Broken() {
		return
	}
	vars, err := readVars(ctx, c, st.AssignsVars)
	if err != nil {
		// The variables stay in c, unrecorded: the next session must not
		// get it.
		c.MarkBroken()
		return
	}
	s.noteVarsOn(c, vars...)
}

// errAssignsAcrossShards refuses a statement that assigns user variables
// and runs on several shards: each shard would assign its own value.
func errAssignsAcrossShards() error {
	return errNotSupported("assigning user variables (@x := ..., INTO @x) in a statement that runs on several shards is not supported: each shard would assign its own value; assign from a statement on one shard, or with SET")
}
