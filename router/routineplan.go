package router

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// planRoutineDef routes a definition the parser cannot read
// (routinedef.go). A stored function runs wherever a statement calls it:
// it goes to every shard that holds the schema's tables (the default
// shard, and those of its sharded and broadcast tables). A procedure runs
// where CALL runs, the default shard, as CREATE PROCEDURE (parsed) goes.
// A trigger goes to the shards of its table. A body that would reach what
// its shard cannot stand for is refused when created (routines.go).
func (r *Router) planRoutineDef(p *Plan, st *Statement, user, db string) error {
	d := st.Routine
	schema := orDB(d.Schema, db)
	if d.Object == "trigger" && d.Verb == "create" {
		schema = orDB(d.Schema, orDB(d.Table.Schema, db))
	}
	if schema == "" {
		return mysql.NewError(mysql.ER_NO_DB_ERROR, fmt.Sprintf("No database selected: USE one of %s, or qualify the %s's name", strings.Join(r.rules.SchemaNames(), ", "), d.Object))
	}
	if err := r.CheckSchema(user, schema); err != nil {
		return err
	}
	if d.Library {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR,
			"Access denied: CREATE FUNCTION ... SONAME loads a shared library into the shards' servers; xaproxy does not forward it (install the function on the shards directly)")
	}
	if d.Verb == "create" && dynamicSQL.MatchString(d.Body) {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf(
			"Access denied: the body of %s %s has dynamic SQL (PREPARE, EXECUTE), whose statements would run on a shard as xaproxy's backend account without the schema, privilege and routing checks it applies to each statement; write them as statements of the body", d.Object, d.Name))
	}
	p.ddl = d.Verb != "show"
	if d.Object == "trigger" {
		return r.planTriggerDef(p, d, schema, user)
	}
	if d.Verb == "create" {
		reach := r.Catalog().BodyReach(schema, d.Body)
		if t, kind := r.outOfReach(reach, false); t != nil {
			return errOutOfReach("the stored "+d.Object+" "+d.Name, "it would run on one shard", t, kind, reach)
		}
	}
	if d.Object == "function" && d.Verb != "show" {
		p.fanout = r.schemaShards(schema)
	} else {
		p.fixed = r.DefaultShard(schema)
	}
	return nil
}

// dynamicSQL finds a prepared statement in a body (in a string or comment
// too, which only refuses more than needed).
var dynamicSQL = regexp.MustCompile(`(?i)\b(PREPARE|EXECUTE)\b`)

// planTriggerDef sends a trigger's definition to the shards of its table:
// for DROP and SHOW the table the catalog knows the trigger by (one it
// does not know is looked for on the default shard, which answers as one
// server without it would).
func (r *Router) planTriggerDef(p *Plan, d *RoutineDef, schema, user string) error {
	table := TableRef{Schema: d.Table.Schema, Name: d.Table.Name}
	if d.Verb != "create" {
		table = TableRef{Schema: schema, Name: r.Catalog().TriggerTable(schema, d.Name)}
		if table.Name == "" {
			p.fixed = r.DefaultShard(schema)
			return nil
		}
	}
	t, err := r.resolve(table.Schema, table.Name, user, schema)
	if err != nil {
		return err
	}
	if d.Verb == "create" {
		reach := r.Catalog().BodyReach(schema, d.Body)
		_, runsOn := r.placedOn(t.schema, t.name)
		if out, kind := r.triggerOutOfReach(reach, t.kind, runsOn); out != nil {
			return errOutOfReach(fmt.Sprintf("a trigger of the %s table %s", t.kind, t), "it would run on the shard of each row", out, kind, reach)
		}
	}
	switch {
	case t.kind == sharding.Unsharded:
		p.fixed = t.home
	case d.Verb == "show":
		p.fixed = r.tableHome(t, schema)
	default:
		p.fanout = orderLike(t.table.Shards, r.rules.Shards())
	}
	return nil
}

// schemaShards lists the shards that hold a schema's tables: its default
// shard and those of its sharded and broadcast tables, in configuration
// order.
func (r *Router) schemaShards(schema string) []string {
	sc := r.rules.Schema(schema)
	if sc == nil {
		return []string{r.DefaultShard(schema)}
	}
	shards := []string{sc.DefaultShard}
	for _, t := range sc.Tables {
		for _, s := range t.Shards {
			shards = appendNew(shards, s)
		}
	}
	return orderLike(shards, r.rules.Shards())
}
