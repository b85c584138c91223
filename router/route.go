package router

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/xaproxy/xaproxy/catalog"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// Router decides where statements run.
type Router struct {
	rules  *sharding.Rules
	shapes *shapeCache // text-query plans by shape (shape.go)
	cat    atomic.Pointer[catalog.Catalog]
	views  atomic.Pointer[viewCache] // views of the catalog (view.go)
}

// New returns a Router over the given rules.
func New(rules *sharding.Rules) *Router { return &Router{rules: rules, shapes: newShapeCache()} }

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

// Target returns the one shard that runs a statement which cannot be
// split: all its tables must live together there.
func (r *Router) Target(st *Statement, user, db string) (string, error) {
	tables, err := r.resolveAll(st, user, db)
	if err != nil {
		return "", err
	}
	pl := place(tables)
	if len(pl.sharded) > 0 {
		return "", errUnsupported("this kind of statement on sharded table %s cannot run correctly across shards; xaproxy splits SELECT, INSERT, UPDATE, DELETE and DDL", pl.sharded[0])
	}
	if len(pl.broadcast) > 0 && !st.ReadOnly {
		return "", errUnsupported("this kind of statement writing broadcast table %s is not supported: every copy must change alike (INSERT, UPDATE, DELETE are)", pl.broadcast[0])
	}
	p := &Plan{}
	if err := r.planNonSharded(p, pl, db, ""); err != nil {
		return "", err
	}
	if p.fixed != "" {
		return p.fixed, nil
	}
	return p.anyOf[0], nil
}
