package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// keyedSelect routes a SELECT over sharded tables by their shard keys.
//
// Tables joined on their shard keys form one group (checkJoin); its key
// conditions pick the shards and the proxy merges what they answer. Tables
// not joined on their keys (ol_w_id = ? AND s_w_id = ?) form several
// groups: a shard can answer alone only if every group's rows live on it,
// so each group must have its key restricted (=, IN, a range) and, once
// the parameters are bound, all groups must point at the same one shard.
// When they point at different shards the statement is refused then
// (1235): the join of rows held by different shards is not empty in
// general (customers c, orders o WHERE c.cust_id = 1 AND o.cust_id = 2 is a
// cross product), so no shard can answer it alone.
func (r *Router) keyedSelect(from []tableInfo, refs *ast.TableRefsClause, where ast.ExprNode, own owners) (*keyedPlan, error) {
	groups, err := r.checkJoin(from, refs, where, own)
	if err != nil {
		return nil, err
	}
	var sharded []tableInfo
	for _, g := range groups {
		sharded = append(sharded, g...)
	}
	names := keyNames(sharded, refs)
	whereConds := splitAnd(where, nil)
	// ON conditions restrict rows like WHERE only when no join is outer:
	// an outer join keeps the rows of its preserved side whatever its ON
	// says.
	var on []ast.ExprNode
	if refs != nil && !hasOuterJoin(refs.TableRefs) {
		collectOn(refs.TableRefs, &on)
	}
	condsOf := func(tables []tableInfo) []keyCond {
		kt := keyTarget{tables: tables, single: len(from) == 1, keyNames: names, owners: own}
		conds := kt.condsOf(whereConds)
		kt.keyNames = nil // an ON clause sees only its own join's tables
		for _, c := range kt.condsOf(on) {
			c.in = nil // the FROM clause is not rewritten per shard
			conds = append(conds, c)
		}
		return conds
	}
	k := &keyedPlan{table: sharded[0].table, keepsReplicated: replicatedKept(refs, from)}
	if len(groups) == 1 {
		k.conds = condsOf(groups[0])
		return k, nil
	}
	for i, g := range groups {
		conds := condsOf(g)
		if len(conds) == 0 {
			a, b := g[0], groups[0][0]
			if i == 0 {
				b = groups[1][0]
			}
			return nil, errUnsupported("join of %s and %s is not on their shard keys (%s.%s = %s.%s), nor is each shard key restricted to values of one shard: matching rows may live on different shards",
				a, b, a.alias, a.table.ShardKey, b.alias, b.table.ShardKey)
		}
		k.groups = append(k.groups, pinnedGroup{conds: conds, name: g[0].String()})
	}
	return k, nil
}

// pinnedGroup is a group of sharded tables joined on their keys, with the
// conditions that restrict its key.
type pinnedGroup struct {
	conds []keyCond
	name  string // a table of the group, for messages
}

// pinnedShard is the one shard holding the rows of every group, or a
// refusal. A group whose conditions match no row (key = NULL) adds no
// shard: the join is empty, as any shard running the statement finds.
func (k *keyedPlan) pinnedShard(params []Param, text ClientText) (string, error) {
	shard, from := "", ""
	for _, g := range k.groups {
		shards, _ := shardsFor(k.table, g.conds, params, text)
		switch {
		case len(shards) == 0:
			continue
		case len(shards) > 1:
			return "", errUnsupported("join of %s with tables not joined to it on their shard keys: the conditions on %s allow shards %s, but such a join can only run on one shard (restrict %s to one value, or join the tables on their shard keys)",
				g.name, g.name, strings.Join(shards, ", "), k.table.ShardKey)
		case shard == "":
			shard, from = shards[0], g.name
		case shard != shards[0]:
			return "", errUnsupported("join of %s and %s is not on their shard keys, and their keys are restricted to values on different shards (%s, %s): rows of several shards would have to be joined; give both keys the same value, or join the tables on their shard keys",
				from, g.name, shard, shards[0])
		}
	}
	if shard == "" {
		return k.table.Shards[0], nil
	}
	return shard, nil
}

// condsOf extracts the key restrictions of a list of conjuncts.
func (k keyTarget) condsOf(conjuncts []ast.ExprNode) []keyCond {
	var out []keyCond
	for _, c := range conjuncts {
		if kc, ok := k.cond(c); ok {
			out = append(out, kc)
		}
	}
	return out
}

// hasOuterJoin tells whether a FROM clause has a LEFT or RIGHT join.
func hasOuterJoin(n ast.ResultSetNode) bool {
	switch x := n.(type) {
	case *ast.Join:
		if x.Tp == ast.LeftJoin || x.Tp == ast.RightJoin {
			return true
		}
		return hasOuterJoin(x.Left) || hasOuterJoin(x.Right)
	case *ast.TableSource:
		return hasOuterJoin(x.Source)
	}
	return false
}
