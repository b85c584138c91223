package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/sharding"
)

// pinnedPlan runs a statement with nested SELECTs unchanged on one shard:
// every SELECT restricts its sharded tables to that shard by their shard
// key, the unsharded tables live there and the broadcast tables have a
// copy there. Which shard depends on the parameters, so it is chosen when
// the plan is bound.
type pinnedPlan struct {
	groups    []pinGroup
	homes     []string    // shards of the unsharded tables
	broadcast []tableInfo // need a copy on the chosen shard
	prepare   string      // where the statement can be prepared
	help      string      // what is supported, for refusals
}

// pinGroup is the sharded tables of one SELECT (co-located, joined on
// their keys) and the restrictions its WHERE puts on their key.
type pinGroup struct {
	table tableInfo
	what  string
	conds []keyCond
}

func (r *Router) planPinned(p *Plan, all []blockTables, help string) error {
	pp := &pinnedPlan{help: help}
	for _, bt := range all {
		for _, t := range bt.from {
			switch t.kind {
			case sharding.Unsharded:
				if !contains(pp.homes, t.home) {
					pp.homes = append(pp.homes, t.home)
				}
			case sharding.Broadcast:
				pp.broadcast = append(pp.broadcast, t)
			}
		}
		if len(bt.sharded) == 0 {
			continue
		}
		if err := r.joinedOnKeys(bt.from, bt.sel.From, bt.sel.Where); err != nil {
			return err
		}
		g := pinGroup{table: bt.sharded[0], what: bt.what, conds: bt.keyConds()}
		if len(g.conds) == 0 && len(g.table.table.Shards) > 1 {
			return errUnsupported("%s over sharded table %s reads every shard (%s.%s is not restricted to one value in its own WHERE): %s",
				g.what, g.table, g.table.alias, g.table.table.ShardKey, help)
		}
		pp.groups = append(pp.groups, g)
	}
	if len(pp.groups) == 0 {
		return errUnsupported("this statement's sharded tables are not in the FROM clause of its SELECTs: %s", help)
	}
	if len(pp.homes) > 1 {
		return errUnsupported("statement reads unsharded tables on shards %s and %s: statements spanning shards are not supported for unsharded tables", pp.homes[0], pp.homes[1])
	}
	pp.prepare = pp.fallback()
	p.pinned = pp
	return nil
}

// fallback is the shard for a statement none of whose SELECTs can match a
// sharded row: where the unsharded tables live, else the first shard of
// the first sharded table that has every broadcast table.
func (pp *pinnedPlan) fallback() string {
	if len(pp.homes) > 0 {
		return pp.homes[0]
	}
	shards := pp.groups[0].table.table.Shards
	for _, s := range shards {
		if pp.hasBroadcast(s) == nil {
			return s
		}
	}
	return shards[0]
}

// hasBroadcast is nil when every broadcast table has a copy on shard s.
func (pp *pinnedPlan) hasBroadcast(s string) error {
	for _, b := range pp.broadcast {
		if !contains(b.table.Shards, s) {
			return errUnsupported("broadcast table %s has no copy on shard %s, where this statement's other tables are", b, s)
		}
	}
	return nil
}

func (pp *pinnedPlan) bind(params []Param, text ClientText) (*Exec, error) {
	target, from := "", ""
	for _, g := range pp.groups {
		shards, _ := shardsFor(g.table.table, g.conds, params, text)
		switch {
		case len(shards) == 0:
			// This SELECT matches no row of its table anywhere: any
			// shard answers it alike.
			continue
		case len(shards) > 1:
			return nil, errUnsupported("%s over sharded table %s would read shards %s: %s",
				g.what, g.table, strings.Join(shards, ", "), pp.help)
		case target == "":
			target, from = shards[0], g.what+" over "+g.table.String()
		case target != shards[0]:
			return nil, errUnsupported("%s over sharded table %s reads shard %s, but %s reads shard %s: %s",
				g.what, g.table, shards[0], from, target, pp.help)
		}
	}
	for _, h := range pp.homes {
		if target != "" && target != h {
			return nil, errUnsupported("%s reads shard %s, but the statement's unsharded tables live on shard %s: %s", from, target, h, pp.help)
		}
		target = h
	}
	if target == "" {
		target = pp.prepare
	}
	if err := pp.hasBroadcast(target); err != nil {
		return nil, err
	}
	return &Exec{Parts: []Part{{Shard: target}}}, nil
}
