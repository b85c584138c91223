package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// tableInfo is a table named by a statement, resolved against the rules.
type tableInfo struct {
	schema     string // logical schema name as written or the session's
	name       string
	alias      string // how the statement refers to it (alias or name), lower-cased
	kind       sharding.TableKind
	table      *sharding.Table // sharded and broadcast tables
	home       string          // unsharded tables: the schema's default shard
	infoSchema bool
	// view is what the router knows of a view (view.go); nil for tables.
	view *viewInfo
}

func (t tableInfo) String() string { return t.schema + "." + t.name }

// resolve looks a table up in the rules. info is information_schema.
func (r *Router) resolve(schema, name, user, db string) (tableInfo, error) {
	return r.resolveIn(schema, name, user, db, 0)
}

// resolveIn is resolve inside the definitions of depth views.
func (r *Router) resolveIn(schema, name, user, db string, depth int) (tableInfo, error) {
	if schema == "" {
		schema = db
	}
	if schema == "" {
		what := "or qualify the table names"
		if name != "" {
			what = "or qualify table " + name
		}
		return tableInfo{}, mysql.NewError(mysql.ER_NO_DB_ERROR, fmt.Sprintf("No database selected: USE one of %s, %s", strings.Join(r.rules.SchemaNames(), ", "), what))
	}
	ti := tableInfo{schema: schema, name: name, alias: strings.ToLower(name)}
	if isInformationSchema(schema) {
		ti.infoSchema = true
		ti.kind = sharding.Unsharded
		ti.home = r.DefaultShard(db)
		return ti, nil
	}
	sc := r.rules.Schema(schema)
	if sc == nil {
		return tableInfo{}, r.CheckSchema(user, schema)
	}
	ti.kind, ti.table = sc.Lookup(name)
	if ti.kind == sharding.Sharded {
		ti.table = r.typedKey(schema, name, ti.table)
	}
	if ti.kind == sharding.Unsharded {
		ti.home = sc.DefaultShard
		r.applyView(&ti, user, depth)
	}
	return ti, nil
}

// fromTables lists the table sources of a FROM/UPDATE/DELETE clause with
// their aliases; subqueries in FROM are reported as such.
func (r *Router) fromTables(refs *ast.TableRefsClause, user, db string) (tables []tableInfo, hasDerived bool, err error) {
	return fromTablesWith(refs, func(schema, name string) (tableInfo, error) { return r.resolve(schema, name, user, db) })
}

// fromTablesWith is fromTables resolving names with resolve.
func fromTablesWith(refs *ast.TableRefsClause, resolve func(schema, name string) (tableInfo, error)) (tables []tableInfo, hasDerived bool, err error) {
	if refs == nil || refs.TableRefs == nil {
		return nil, false, nil
	}
	var names []string // as written, for sameAliases
	var walk func(n ast.ResultSetNode) error
	walk = func(n ast.ResultSetNode) error {
		switch x := n.(type) {
		case *ast.Join:
			if x.Left != nil {
				if err := walk(x.Left); err != nil {
					return err
				}
			}
			if x.Right != nil {
				return walk(x.Right)
			}
		case *ast.TableSource:
			tn, ok := x.Source.(*ast.TableName)
			if !ok {
				hasDerived = true
				return nil
			}
			ti, err := resolve(tn.Schema.O, tn.Name.O)
			if err != nil {
				return err
			}
			written := ti.schema + "." + tn.Name.O
			if x.AsName.O != "" {
				ti.alias, written = x.AsName.L, ti.schema+"."+x.AsName.O
			}
			tables, names = append(tables, ti), append(names, written)
		case *ast.TableName:
			ti, err := resolve(x.Schema.O, x.Name.O)
			if err != nil {
				return err
			}
			tables, names = append(tables, ti), append(names, ti.schema+"."+x.Name.O)
		default:
			hasDerived = true
		}
		return nil
	}
	if err = walk(refs.TableRefs); err != nil {
		return nil, false, err
	}
	return tables, hasDerived, sameAliases(tables, names)
}

// sameAliases refuses two tables of one FROM clause that the router would
// refer to alike: aliases that differ only in letter case (which MariaDB
// tells apart on Linux) or one table name in two schemas without aliases
// (shop.t JOIN crm.t). The router matches qualifiers by lower-cased alias
// and would take one for the other (a key condition, a written table).
// names are the tables' schemas and aliases as written (the table's name
// without one): two alike are MariaDB's own 1066 (orders AS users JOIN
// users).
func sameAliases(tables []tableInfo, names []string) error {
	for i, a := range tables {
		for j, b := range tables[:i] {
			if names[i] == names[j] {
				return mysql.NewError(mysql.ER_NONUNIQ_TABLE, fmt.Sprintf("Not unique table/alias: '%s'", strings.TrimPrefix(names[i], a.schema+".")))
			}
			if a.alias == b.alias {
				return errUnsupported("%s and %s are both referred to as %s in one FROM clause (aliases that differ only in letter case, or one table name in two schemas): xaproxy refers to tables by case-insensitive alias; give them distinct aliases", b, a, a.alias)
			}
		}
	}
	return nil
}

// placement summarises where a set of tables can run together.
type placement struct {
	sharded   []tableInfo
	broadcast []tableInfo
	homes     []string // distinct default shards of unsharded tables
}

func place(tables []tableInfo) placement {
	var p placement
	for _, t := range tables {
		switch t.kind {
		case sharding.Sharded:
			p.sharded = append(p.sharded, t)
		case sharding.Broadcast:
			p.broadcast = append(p.broadcast, t)
		default:
			if !contains(p.homes, t.home) {
				p.homes = append(p.homes, t.home)
			}
		}
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// commonShards is the shards where every broadcast table has a copy.
func (p placement) broadcastShards(all []string) []string {
	out := all
	for _, b := range p.broadcast {
		var keep []string
		for _, s := range out {
			if contains(b.table.Shards, s) {
				keep = append(keep, s)
			}
		}
		out = keep
	}
	return out
}

func errUnsupported(format string, args ...any) error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(format, args...))
}
