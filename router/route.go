package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// Router decides where statements run.
type Router struct {
	rules *sharding.Rules
}

// New returns a Router over the given rules.
func New(rules *sharding.Rules) *Router { return &Router{rules: rules} }

// Rules returns the shard rules the router uses.
func (r *Router) Rules() *sharding.Rules { return r.rules }

// systemSchemas may be read through the proxy; the others hold the backend's
// own accounts and internals and stay hidden.
func isInformationSchema(name string) bool { return strings.EqualFold(name, "information_schema") }

func isHiddenSchema(name string) bool {
	switch strings.ToLower(name) {
	case "mysql", "performance_schema", "sys":
		return true
	}
	return false
}

// CheckSchema validates a database name a client wants to use.
func (r *Router) CheckSchema(user, name string) error {
	if r.rules.Schema(name) != nil || isInformationSchema(name) {
		return nil
	}
	if isHiddenSchema(name) {
		return errSchemaDenied(user, name, r.rules.SchemaNames())
	}
	return mysql.NewError(mysql.ER_BAD_DB_ERROR, fmt.Sprintf("Unknown database '%s' (xaproxy serves: %s)", name, strings.Join(r.rules.SchemaNames(), ", ")))
}

func errSchemaDenied(user, name string, served []string) error {
	return mysql.NewError(mysql.ER_DBACCESS_DENIED_ERROR, fmt.Sprintf(
		"Access denied for user '%s' to database '%s': xaproxy serves only its configured schemas (%s) and information_schema",
		user, name, strings.Join(served, ", ")))
}

// DefaultShard is where statements without tables run for a session whose
// current database is db ("" when none).
func (r *Router) DefaultShard(db string) string {
	if s := r.rules.Schema(db); s != nil {
		return s.DefaultShard
	}
	names := r.rules.SchemaNames()
	if len(names) > 0 {
		return r.rules.Schema(names[0]).DefaultShard
	}
	return r.rules.Shards()[0]
}

// Target returns the shard that runs the statement for a session whose
// current database is db. Until sharded routing lands every table lives on
// its schema's default shard, so a statement naming schemas with different
// default shards is refused rather than answered from one shard.
func (r *Router) Target(st *Statement, user, db string) (string, error) {
	shard := ""
	for _, t := range st.Tables {
		schema := t.Schema
		if schema == "" {
			schema = db
		}
		if schema == "" {
			what := "or qualify the table names"
			if t.Name != "" {
				what = "or qualify table " + t.Name
			}
			return "", mysql.NewError(mysql.ER_NO_DB_ERROR, fmt.Sprintf("No database selected: USE one of %s, %s", strings.Join(r.rules.SchemaNames(), ", "), what))
		}
		if isInformationSchema(schema) {
			continue
		}
		sc := r.rules.Schema(schema)
		if sc == nil {
			return "", r.CheckSchema(user, schema)
		}
		if shard != "" && shard != sc.DefaultShard {
			return "", mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"statement joins tables on shards %s and %s: statements spanning shards are not supported yet", shard, sc.DefaultShard))
		}
		shard = sc.DefaultShard
	}
	if shard == "" {
		shard = r.DefaultShard(db)
	}
	return shard, nil
}
