package router

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// A stored routine or a trigger runs on the shard of the statement that
// calls it and sees that shard's tables only (catalog/reach.go). Over the
// rows one MariaDB would hold, that gives other answers: a function that
// reads a sharded table reads one shard's part, a procedure that writes a
// broadcast table writes one copy, a trigger of a sharded table that
// writes another table writes it on the row's shard, where that table's
// row may not belong (or not exist). Such statements are refused; the way
// round is to write the reads and writes in the application's statements,
// which the proxy routes (and commits atomically in one transaction).

// checkRoutines refuses st when it calls a routine, or writes rows of a
// table whose trigger, reaches a table its shard cannot stand for.
func (r *Router) checkRoutines(st *Statement, db string) error {
	cat := r.Catalog()
	for _, f := range st.Funcs {
		reach := cat.RoutineReach(orDB(f.Schema, db), f.Name)
		if t, kind := r.outOfReach(reach, false); t != nil {
			return errOutOfReach("the stored routine "+f.Name, "it would run on one shard", t, kind, reach)
		}
	}
	if !ChangesRows(st) {
		return nil
	}
	for _, ref := range st.Tables {
		schema := ref.In(db)
		reach := cat.WriteReach(schema, ref.Name)
		if len(reach.Tables) == 0 {
			continue
		}
		own, runsOn := r.placedOn(schema, ref.Name)
		if t, kind := r.triggerOutOfReach(reach, own, runsOn); t != nil {
			return errOutOfReach(fmt.Sprintf("a trigger of the %s table %s.%s", own, schema, ref.Name), "it would run on the shard of each row", t, kind, reach)
		}
	}
	return nil
}

// triggerOutOfReach is outOfReach for a trigger of a table placed as own,
// which runs on the shards runsOn: an unsharded table it names must live
// there, and there alone.
func (r *Router) triggerOutOfReach(reach catalog.Reach, own sharding.TableKind, runsOn []string) (*catalog.Named, sharding.TableKind) {
	if t, kind := r.outOfReach(reach, own == sharding.Broadcast); t != nil {
		return t, kind
	}
	for i, t := range reach.Tables {
		if kind, _ := r.kindOf(t.Schema, t.Name); kind == sharding.Unsharded && (len(runsOn) != 1 || runsOn[0] != r.DefaultShard(t.Schema)) {
			return &reach.Tables[i], kind
		}
	}
	return nil, sharding.Unsharded
}

// placedOn lists the shards that hold a table's rows.
func (r *Router) placedOn(schema, table string) (sharding.TableKind, []string) {
	kind, t := r.kindOf(schema, table)
	if t == nil {
		return kind, []string{r.DefaultShard(schema)}
	}
	return kind, t.Shards
}

// errOutOfReach says why a body that reaches t cannot run through the
// proxy, and the way round.
func errOutOfReach(subject, runs string, t *catalog.Named, kind sharding.TableKind, reach catalog.Reach) error {
	return errUnsupported("%s names the %s table %s.%s%s: %s and %s; "+
		"run those reads and writes as statements of their own (one transaction keeps them atomic)",
		subject, kind, t.Schema, t.Name, written(kind, reach), runs, routineSees(kind))
}

// outOfReach returns the first table of reach that one shard cannot stand
// for, and its kind: a sharded one, or a broadcast one the body may write
// unless it runs on every copy (a trigger of a broadcast table).
func (r *Router) outOfReach(reach catalog.Reach, onEveryCopy bool) (*catalog.Named, sharding.TableKind) {
	for i, t := range reach.Tables {
		switch kind, _ := r.kindOf(t.Schema, t.Name); {
		case kind == sharding.Sharded,
			kind == sharding.Broadcast && reach.Writes && !onEveryCopy:
			return &reach.Tables[i], kind
		}
	}
	return nil, sharding.Unsharded
}

// kindOf tells how a table is placed; a schema without rules holds only
// unsharded tables.
func (r *Router) kindOf(schema, table string) (sharding.TableKind, *sharding.Table) {
	s := r.rules.Schema(schema)
	if s == nil {
		return sharding.Unsharded, nil
	}
	return s.Lookup(table)
}

// written says that a broadcast table is named by a body that writes.
func written(kind sharding.TableKind, reach catalog.Reach) string {
	if kind == sharding.Broadcast && reach.Writes {
		return " and writes"
	}
	return ""
}

// routineSees says what a body run on one shard does with such a table.
func routineSees(kind sharding.TableKind) string {
	switch kind {
	case sharding.Sharded:
		return "see or change only that shard's part of its rows"
	case sharding.Broadcast:
		return "change only that shard's copy"
	}
	return "reach it only on the one shard that holds it"
}

// ChangesRows: a statement that changes rows, which fires triggers (DDL
// on a table with a trigger runs none) and which a READ ONLY transaction
// refuses unless it writes only temporary tables.
func ChangesRows(st *Statement) bool {
	switch st.Node.(type) {
	case *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt, *ast.LoadDataStmt:
		return true
	}
	return false
}

// SequencesBehind names what st runs, beyond its own text, that calls a
// function of a per-server sequence (serverseq.go): a stored routine, or
// a trigger or column default of a table it writes; "" when nothing. Run
// on several shards, each would give its own values.
func (r *Router) SequencesBehind(st *Statement, db string) string {
	cat := r.Catalog()
	for _, f := range st.Funcs {
		if cat.RoutineReach(orDB(f.Schema, db), f.Name).Sequences {
			return "the stored routine " + f.Name
		}
	}
	if ChangesRows(st) {
		for _, t := range st.Tables {
			if cat.WriteReach(t.In(db), t.Name).Sequences {
				return fmt.Sprintf("a trigger or column default of %s.%s", t.In(db), t.Name)
			}
		}
	}
	return ""
}
