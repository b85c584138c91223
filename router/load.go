package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// planLoadData routes LOAD DATA LOCAL INFILE (the proxy refuses the server
// side form before planning). A table on one shard gets the client's file
// relayed to it as it comes, without reading it. A sharded table spread
// over several shards, and a broadcast table, get a LoadSplit
// (loadsplit.go): the proxy asks the client for the file itself and
// sends each shard its part (the rows it holds by their shard key), or
// every copy the whole file.
func (r *Router) planLoadData(p *Plan, n *ast.LoadDataStmt, user, db string) error {
	p.write = true
	if n.Table == nil {
		return errUnsupported("LOAD DATA without a table")
	}
	t, err := r.resolve(n.Table.Schema.O, n.Table.Name.O, user, db)
	if err != nil {
		return err
	}
	switch t.kind {
	case sharding.Sharded:
		if len(t.table.Shards) == 1 {
			p.fixed = t.table.Shards[0]
			return nil
		}
		p.load, err = r.planLoadSplit(n, t)
		return err
	case sharding.Broadcast:
		p.load, err = r.planLoadCopies(n, t)
		return err
	}
	p.fixed = t.home
	return nil
}

// IsLoad tells whether sql is a LOAD statement (LOAD DATA, LOAD XML),
// for statements the parser could not read.
func IsLoad(sql string) bool { return isKeyword(skipCommentsAndSpace(sql), "LOAD") }

// bindLoad is the exec of a LoadSplit: one part per shard, run by the
// proxy's load executor (Exec.Load).
func (l *LoadSplit) bind() *Exec {
	e := &Exec{Write: true, Copies: l.Copies, Load: l}
	for _, s := range l.Shards {
		e.Parts = append(e.Parts, Part{Shard: s, SQL: l.SQL})
	}
	return e
}

func loadShardList(t tableInfo) string { return strings.Join(t.table.Shards, ", ") }
