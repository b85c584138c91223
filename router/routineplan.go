package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/internal/sqllex"
	"github.com/xaproxy/xaproxy/sharding"
)

// planRoutineDef routes a routine's or trigger's definition, read from its
// head (routinedef.go). A stored function runs wherever a statement calls
// it: it goes to every shard that holds the schema's tables (the default
// shard, and those of its sharded and broadcast tables). A procedure runs
// where CALL runs, the default shard. A trigger goes to the shards of its
// table. A body that would reach what its shard cannot stand for is
// refused when created (routines.go), and so is what would let it run
// past the proxy's checks.
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
	if d.Object == "trigger" {
		return r.planTriggerDef(p, d, schema, user)
	}
	if d.Verb == "create" {
		b := behind{kind: "the stored " + d.Object, name: d.Name}
		if err := r.checkDefinition(d, schema, user, &b); err != nil {
			return err
		}
		if err := r.checkBody(b); err != nil {
			return err
		}
	}
	p.ddl = d.Verb != "show"
	if d.Object == "function" && d.Verb != "show" {
		p.fanout = r.schemaShards(schema)
	} else {
		p.fixed = r.DefaultShard(schema)
	}
	return nil
}

// checkDefinition refuses a CREATE that would run past the proxy (a
// library, a definer other than the backend account, dynamic SQL or
// server management, a hidden schema, an aggregate), and gives b the
// body's reach (read once, after the cheap refusals).
func (r *Router) checkDefinition(d *RoutineDef, schema, user string, b *behind) error {
	denied := func(why string) error {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, fmt.Sprintf("Access denied: %s %s %s; xaproxy does not forward it", d.Object, d.Name, why))
	}
	switch {
	case d.Library:
		return denied("loads a shared library into the shards' servers (SONAME): install it on the shards directly")
	case d.Definer != "":
		return denied("names the definer " + d.Definer + ": routines and triggers created through xaproxy are defined by its backend account (leave DEFINER out, or write DEFINER = CURRENT_USER)")
	case d.Aggregate:
		return errUnsupported("stored aggregate function %s is not supported: each shard would aggregate its own rows", d.Name)
	}
	if h := hiddenSchemaIn(d.Body); h != "" {
		return errSchemaDenied(user, h, r.rules.SchemaNames())
	}
	b.reach = r.Catalog().BodyReach(schema, d.Body)
	switch {
	case b.reach.Dynamic:
		return denied("has dynamic SQL (PREPARE, EXECUTE), whose statements would run on a shard as the backend account past the schema, privilege and routing checks xaproxy applies to each statement")
	case b.reach.Admin:
		return denied("manages the server, accounts, files, session variables, transactions or table locks, which xaproxy refuses or keeps for the session itself, and would do it on a shard as the backend account")
	}
	return nil
}

// hiddenSchemaIn returns a hidden schema (mysql, ...) a body names a table
// of, in any sql_mode's reading (a comment between the names, or double
// quotes, do not hide it).
func hiddenSchemaIn(body string) string {
	for _, toks := range sqllex.Readings(body) {
		for i, t := range toks {
			if t.Ident() && isHiddenSchema(t.Text) && i+1 < len(toks) && toks[i+1].Is(".") {
				return t.Text
			}
		}
	}
	return ""
}

// planTriggerDef sends a trigger's definition to the shards of its table:
// for DROP and SHOW the table the catalog knows the trigger by. One it
// does not know (created on the shards since the catalog was read) is
// dropped on every shard of the schema, which answer as one server would
// (IF EXISTS: one Note where none has it) and shown from the default
// shard.
func (r *Router) planTriggerDef(p *Plan, d *RoutineDef, schema, user string) error {
	p.ddl = d.Verb != "show"
	table := TableRef{Schema: d.Table.Schema, Name: d.Table.Name}
	if d.Verb != "create" {
		table = TableRef{Schema: schema, Name: r.Catalog().TriggerTable(schema, d.Name)}
		if table.Name == "" && d.Verb == "drop" {
			p.fanout = r.schemaShards(schema)
			return nil
		}
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
		kind, runsOn := r.placedOn(t.schema, t.name)
		b := behind{kind: "a trigger of the " + kind.String() + " table", name: t.String(), runsOn: runsOn, copies: kind == sharding.Broadcast}
		if err := r.checkDefinition(d, schema, user, &b); err != nil {
			return err
		}
		if err := r.checkBody(b); err != nil {
			return err
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

// planCall sends CALL db.p(args) to db's default shard, where procedures
// live (planRoutineDef), whatever the session's database; the tables its
// arguments read (in the session's database) must be whole there.
func (r *Router) planCall(p *Plan, n *ast.CallStmt, user, db string) error {
	home := r.DefaultShard(orDB(n.Procedure.Schema.O, db))
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !t.wholeOn(home) {
			return errUnsupported("CALL %s with an argument reading the %s table %s is not supported: the procedure runs on shard %s, which does not hold all its rows; read the value first and pass it", n.Procedure.FnName.O, t.kind, t, home)
		}
	}
	p.fixed = home
	return nil
}

// schemaShards lists the shards that hold a schema: its default shard,
// those of its sharded and broadcast tables, and those where its database
// exists, in configuration order.
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
	// Also where the database exists without a table of it: a statement
	// of another schema's session may call the function there.
	if on, ok := r.Catalog().SchemaShards(schema); ok {
		for _, s := range on {
			shards = appendNew(shards, s)
		}
	}
	return orderLike(shards, r.rules.Shards())
}
