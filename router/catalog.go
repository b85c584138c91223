package router

import (
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/catalog"
)

// SetCatalog makes c the table definitions later plans are made with, and
// forgets the cached plans made with the previous ones (a column-less
// INSERT's key position, for one, may have moved).
func (r *Router) SetCatalog(c *catalog.Catalog) {
	r.cat.Store(c)
	r.shapes.reset()
}

// Catalog returns the table definitions plans are made with (nil before
// the first load).
func (r *Router) Catalog() *catalog.Catalog { return r.cat.Load() }

// Stale reports whether p was made with older table definitions than the
// router's: a prepared statement's plan is then made again, as MariaDB
// re-prepares after DDL.
func (r *Router) Stale(p *Plan) bool { return p.catGen != r.Catalog().Gen() }

// UnknownTableError is a table a plan needs the definition of, which the
// catalog does not have. The proxy reloads the catalog and plans again;
// if the table is still unknown, the client gets MariaDB's 1146.
type UnknownTableError struct {
	Schema, Table string
	err           *mysql.MyError
}

func (e *UnknownTableError) Error() string { return e.err.Error() }
func (e *UnknownTableError) Unwrap() error { return e.err }

// definition returns the catalog's definition of a statement's table.
func (r *Router) definition(t tableInfo) (*catalog.Table, error) {
	if def := r.Catalog().Table(t.schema, t.name); def != nil {
		return def, nil
	}
	return nil, &UnknownTableError{Schema: t.schema, Table: t.name,
		err: mysql.NewError(mysql.ER_NO_SUCH_TABLE, fmt.Sprintf("Table '%s.%s' doesn't exist", t.schema, t.name))}
}
