package router

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// Views over sharded tables.
//
// A view over one sharded table, or over sharded tables co-located and
// joined on their shard keys (with broadcast tables), is created on every
// shard of those tables: each shard's view then shows the rows that shard
// holds, and the view's rows are the union of the shards' answers, as a
// sharded table's are. The router learns which tables a view reads from
// its definition in the catalog (information_schema.VIEWS, loaded again
// after every DDL through the proxy), so that views created before the
// proxy started are known too, and resolves the view as a sharded table
// under the view's name whose shard key is the view column that shows the
// base table's key (none: every SELECT of it scatters).
//
// A view whose rows are not the union of per-shard rows (an aggregate or a
// GROUP BY without the shard key, DISTINCT without it, LIMIT) is created,
// so that dumps restore, but reading it is refused. Writes through a view over distributed tables are
// refused: the client writes to the tables.

// maxViewDepth bounds views over views (and breaks a cycle of views that
// shards disagreeing with each other could make).
const maxViewDepth = 16

// viewInfo is what the router knows of a view.
type viewInfo struct {
	// kind is where its rows live: Unsharded (the schema's default shard,
	// as for any table the configuration does not name), Sharded or
	// Broadcast.
	kind sharding.TableKind
	// table, for Sharded and Broadcast views, is the rule of the tables it
	// reads under the view's name; for Sharded its ShardKey is the view
	// column that shows their shard key ("" when none does).
	table *sharding.Table
	// reads names a distributed table it reads, for messages.
	reads string
	// perShard, when set, names why the union of the shards' answers is
	// not the view's rows: it cannot be read through the proxy.
	perShard string
	// copies: it reads broadcast tables (a write would reach one copy).
	copies bool
	// computed names, in lower case, the columns of a sharded view that
	// each shard computes ("*": not known which; computed.go).
	computed map[string]bool
	// err: the view cannot be used through the proxy, and why.
	err error
}

// viewCache holds the views analysed with one catalog generation.
type viewCache struct {
	gen   uint64
	views sync.Map // lower-cased "schema.name" -> *viewInfo
}

// applyView makes ti, an unsharded name, the view the catalog says it is.
func (r *Router) applyView(ti *tableInfo, user string, depth int) {
	def := r.Catalog().Table(ti.schema, ti.name)
	if def == nil || !def.View {
		return
	}
	v := r.viewOf(def, user, depth)
	ti.view = v
	if v.err == nil && v.kind != sharding.Unsharded {
		ti.kind, ti.table = v.kind, v.table
	}
}

// TableKind is where the rows of a table or view of schema sc live: a
// view over sharded tables is Sharded (SHOW SHARD CATALOG).
func (r *Router) TableKind(sc *sharding.Schema, name string) sharding.TableKind {
	kind, _ := sc.Lookup(name)
	if kind != sharding.Unsharded {
		return kind
	}
	ti := tableInfo{schema: sc.Name, name: name, kind: kind}
	r.applyView(&ti, "", 0)
	return ti.kind
}

// viewOf analyses a view of the catalog once per catalog generation.
func (r *Router) viewOf(def *catalog.Table, user string, depth int) *viewInfo {
	c := r.currentViews()
	key := strings.ToLower(def.Schema + "." + def.Name)
	if v, ok := c.views.Load(key); ok {
		return v.(*viewInfo)
	}
	v := r.readView(def, user, depth)
	if !userDependent(v.err) && (v.err == nil || depth == 0) {
		// A refusal met below the top may be the nesting limit's, which
		// depends on the depth: it is cached only when the view is met
		// first (a success below the top is one from the top too).
		c.views.Store(key, v)
	}
	return v
}

// userDependent tells whether a view's error names the session's user
// (access to a schema xaproxy hides): the cache is shared by all sessions,
// so such an answer is worked out again for each.
func userDependent(err error) bool {
	var me *mysql.MyError
	return errors.As(err, &me) && me.Code == mysql.ER_DBACCESS_DENIED_ERROR
}

func (r *Router) currentViews() *viewCache {
	gen := r.Catalog().Gen()
	for {
		c := r.views.Load()
		if c != nil && c.gen == gen {
			return c
		}
		if r.views.CompareAndSwap(c, &viewCache{gen: gen}) {
			return r.views.Load()
		}
	}
}

// readView analyses a view's definition as information_schema gives it.
func (r *Router) readView(def *catalog.Table, user string, depth int) *viewInfo {
	label := def.Schema + "." + def.Name
	if depth >= maxViewDepth {
		return &viewInfo{err: errUnsupported("view %s: views nested more than %d deep are not supported", label, maxViewDepth)}
	}
	if def.Definition == "" {
		return &viewInfo{err: errUnsupported("view %s cannot be used through xaproxy: its definition could not be read from information_schema.VIEWS, so xaproxy cannot tell which shards hold its rows", label)}
	}
	nodes, err := NewParser().parse(def.Definition)
	if err != nil || len(nodes) != 1 {
		if !r.mayReadDistributed(def.Definition) {
			// MariaDB syntax the parser lacks, over unsharded tables
			// only: read on the schema's shard, as before views were
			// understood.
			return &viewInfo{kind: sharding.Unsharded}
		}
		return &viewInfo{err: errUnsupported("view %s cannot be used through xaproxy: its definition could not be parsed (%v), so xaproxy cannot tell which shards hold its rows", label, err)}
	}
	return r.analyzeView(def.Schema, def.Name, nodes[0], nil, user, def.Schema, depth)
}

// mayReadDistributed tells whether a view definition, which MariaDB
// writes with every name in backquotes, names a sharded or broadcast table
// of any schema, or another view.
func (r *Router) mayReadDistributed(definition string) bool {
	parts := strings.Split(definition, "`")
	for i := 1; i < len(parts); i += 2 {
		name := parts[i]
		for _, schema := range r.rules.SchemaNames() {
			if kind, _ := r.rules.Schema(schema).Lookup(name); kind != sharding.Unsharded {
				return true
			}
			if t := r.Catalog().Table(schema, name); t != nil && t.View {
				return true
			}
		}
	}
	return false
}

// analyzeView finds where the rows of a view defined by sel live; cols are
// the view's column names when CREATE VIEW lists them. Unqualified table
// names are of db.
func (r *Router) analyzeView(schema, name string, sel ast.StmtNode, cols []ast.CIStr, user, db string, depth int) *viewInfo {
	label := schema + "." + name
	resolve := func(s, n string) (tableInfo, error) { return r.resolveIn(s, n, user, db, depth+1) }
	refs, _, _, _ := collectTables(sel)
	var tables []tableInfo
	v := &viewInfo{}
	for _, t := range refs {
		ti, err := resolve(t.Schema, t.Name)
		if err != nil {
			return &viewInfo{err: err}
		}
		if ti.view != nil {
			if ti.view.err != nil {
				return &viewInfo{err: ti.view.err}
			}
			v.copies = v.copies || ti.view.copies
			if ti.view.perShard != "" && v.perShard == "" {
				v.perShard = fmt.Sprintf("view %s, which has %s", ti, ti.view.perShard)
			}
		}
		tables = append(tables, ti)
	}
	pl := place(tables)
	switch {
	case len(pl.sharded) == 0 && len(pl.broadcast) == 0:
		v.kind = sharding.Unsharded
		return v
	case len(pl.sharded) == 0:
		return r.broadcastView(v, name, pl)
	case len(pl.homes) > 0:
		var u tableInfo
		for _, t := range tables {
			if t.kind == sharding.Unsharded {
				u = t
				break
			}
		}
		return &viewInfo{err: errUnsupported("view %s over unsharded table %s and sharded table %s is not supported: their rows live on different shards (a view may read one sharded table, or sharded tables co-located and joined on their shard keys, with broadcast tables)", label, u, pl.sharded[0])}
	}
	return r.shardedView(v, label, name, sel, cols, resolve, pl)
}

// broadcastView is a view over broadcast tables only: a copy of it on each
// shard that holds them all.
func (r *Router) broadcastView(v *viewInfo, name string, pl placement) *viewInfo {
	v.copies = true
	if len(pl.homes) > 0 {
		v.kind = sharding.Unsharded // with unsharded tables: their shard
		return v
	}
	shards := pl.broadcastShards(r.rules.Shards())
	if len(shards) == 0 {
		return &viewInfo{err: errUnsupported("view over broadcast tables %s and %s is not supported: they share no shard", pl.broadcast[0], pl.broadcast[len(pl.broadcast)-1])}
	}
	t := *pl.broadcast[0].table
	t.Name, t.Shards = name, shards
	v.kind, v.table, v.reads = sharding.Broadcast, &t, pl.broadcast[0].String()
	return v
}

// shardedView is a view over sharded tables: they must form one group of
// co-located tables joined on their keys, so that each shard holds every
// row a view row is made of.
func (r *Router) shardedView(v *viewInfo, label, name string, sel ast.StmtNode, cols []ast.CIStr,
	resolve func(s, n string) (tableInfo, error), pl placement) *viewInfo {
	refuse := func(format string, args ...any) *viewInfo {
		return &viewInfo{err: errUnsupported("view %s over sharded table %s is not supported: "+format, append([]any{label, pl.sharded[0]}, args...)...)}
	}
	s, ok := sel.(*ast.SelectStmt)
	if !ok {
		return refuse("UNION/INTERSECT/EXCEPT would combine rows of different shards")
	}
	if what := complexPart(s); what != "" {
		return refuse("%s in a view over sharded tables cannot be answered by each shard alone", what)
	}
	from, _, err := fromTablesWith(s.From, resolve)
	if err != nil {
		return &viewInfo{err: err}
	}
	var own owners
	if len(from) > 1 && hasUnqualified(s) {
		if own, err = r.columnOwners(from); err != nil {
			return &viewInfo{err: err}
		}
	}
	if s.From != nil {
		if kept := keptAgainstSharded(s.From.TableRefs, from); kept != nil {
			return refuse("an outer join keeps rows of %s whatever the sharded tables on its other side hold, so each shard would add them", kept[0])
		}
	}
	groups, err := r.checkJoin(from, s.From, s.Where, own)
	if err != nil {
		return refuse("%s", errMessage(err))
	}
	if len(groups) > 1 {
		a, b := groups[0][0], groups[1][0]
		return refuse("its join of %s and %s is not on their shard keys (%s.%s = %s.%s), so matching rows may live on different shards",
			a, b, a.alias, a.table.ShardKey, b.alias, b.table.ShardKey)
	}
	kt := keyTarget{tables: groups[0], single: len(from) == 1, owners: own}
	key := exposedKey(s, cols, kt)
	if why := perShardReason(s, kt, key != ""); why != "" {
		v.perShard = why
	}
	t := *groups[0][0].table
	t.Name, t.ShardKey = name, key
	v.kind, v.table, v.reads = sharding.Sharded, &t, groups[0][0].String()
	v.computed = computedNames(s, cols, from)
	v.copies = v.copies || len(pl.broadcast) > 0
	return v
}

// exposedKey is the name of the view column that is a plain reference to
// the shard key of the view's tables ("" when none is).
func exposedKey(s *ast.SelectStmt, cols []ast.CIStr, kt keyTarget) string {
	for i, f := range s.Fields.Fields {
		if f.WildCard != nil {
			return "" // the columns after it have other positions
		}
		if !kt.isKey(f.Expr) {
			continue
		}
		switch {
		case i < len(cols):
			return cols[i].O
		case f.AsName.O != "":
			return f.AsName.O
		}
		if c, ok := unparen(f.Expr).(*ast.ColumnNameExpr); ok {
			return c.Name.Name.O
		}
	}
	return ""
}

// perShardReason names why a view's rows are not the union of what each
// shard's copy of it answers ("" when they are). Groups that include the
// shard key, and distinct rows that include it, each come from one shard.
func perShardReason(s *ast.SelectStmt, kt keyTarget, keyShown bool) string {
	byKey := false
	if s.GroupBy != nil {
		if s.GroupBy.Rollup {
			return "GROUP BY ... WITH ROLLUP"
		}
		for _, it := range s.GroupBy.Items {
			byKey = byKey || kt.isKey(it.Expr)
		}
		if !byKey {
			return "GROUP BY without the shard key"
		}
	} else if isAggregate(s) {
		return "aggregate functions"
	}
	if s.Distinct && !keyShown && !byKey {
		return "DISTINCT without the shard key"
	}
	if s.Limit != nil {
		return "LIMIT"
	}
	return ""
}

// errMessage is a MySQL error's message without its code.
func errMessage(err error) string {
	var me *mysql.MyError
	if errors.As(err, &me) {
		return me.Message
	}
	return err.Error()
}

// planCreateView plans CREATE [OR REPLACE] VIEW. A view over distributed
// tables goes to every shard that holds them; done is false for a view over
// unsharded tables, which planDDL places like any other statement.
func (r *Router) planCreateView(p *Plan, x *ast.CreateViewStmt, user, db string) (done bool, err error) {
	vt, err := r.resolve(x.ViewName.Schema.O, x.ViewName.Name.O, user, db)
	if err != nil {
		return true, err
	}
	if vt.view == nil && vt.kind != sharding.Unsharded {
		return true, errUnsupported("CREATE VIEW %s is not supported: the name is configured in xaproxy as a %s table", vt, vt.kind)
	}
	v := r.analyzeView(vt.schema, vt.name, x.Select, x.Cols, user, db, 0)
	if v.err != nil {
		return true, v.err
	}
	oldDistributed := vt.view != nil && vt.kind != sharding.Unsharded
	if v.kind == sharding.Unsharded && !oldDistributed {
		return false, nil
	}
	shards := []string{vt.home}
	if v.kind != sharding.Unsharded {
		shards = orderLike(v.table.Shards, r.rules.Shards())
	}
	if vt.view != nil && vt.view.err == nil && !slices.Equal(orderLike(placementShards(vt), r.rules.Shards()), shards) {
		return true, errUnsupported("replacing view %s, which lives on shards %s, by one over tables on shards %s is not supported: DROP VIEW %s first",
			vt, strings.Join(placementShards(vt), ", "), strings.Join(shards, ", "), vt)
	}
	if !contains(shards, vt.home) {
		// The catalog reads a view's definition where its schema's
		// unsharded tables live.
		return true, errUnsupported("view %s over %s is not supported: it would live on shards %s, which do not include %s, the default shard of schema %s",
			vt, v.reads, strings.Join(shards, ", "), vt.home, vt.schema)
	}
	p.fanout = shards
	return true, nil
}

// checkViews refuses statements that use a view the proxy cannot serve,
// and writes through views over distributed tables (a write through one
// shard's copy of a view reaches that shard's rows only; the client writes
// to the tables themselves).
func (r *Router) checkViews(st *Statement, user, db string) error {
	switch n := st.Node.(type) {
	case *ast.CreateViewStmt, *ast.ShowStmt, *ast.LockTablesStmt, *ast.DropTableStmt:
		// DROP TABLE of a view goes where DROP VIEW goes: each shard
		// answers MariaDB's 1051.
		return nil
	case *ast.ExplainStmt:
		if _, describe := n.Stmt.(*ast.ShowStmt); describe {
			return nil // DESCRIBE v is SHOW COLUMNS FROM v
		}
	}
	for _, t := range st.Tables {
		ti, err := r.resolve(t.Schema, t.Name, user, db)
		if err != nil || ti.view == nil {
			continue // planning reports what it has to
		}
		v := ti.view
		if v.err != nil {
			return v.err
		}
		if v.kind == sharding.Unsharded && !v.copies {
			continue
		}
		switch st.Node.(type) {
		case *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt, *ast.LoadDataStmt:
			where := "whose rows are spread over several shards"
			if tableKindOf(v) == sharding.Broadcast {
				where = "which has a copy on several shards"
			}
			return errUnsupported("writes naming view %s are not supported: it reads %s table %s, %s; write to %s itself", ti, tableKindOf(v), v.readsOr(ti), where, v.readsOr(ti))
		}
		if st.ImplicitCommit {
			return errUnsupported("this statement on view %s over %s table %s is not supported (CREATE, CREATE OR REPLACE and DROP VIEW are)", ti, tableKindOf(v), v.readsOr(ti))
		}
	}
	return nil
}

func tableKindOf(v *viewInfo) sharding.TableKind {
	if v.kind == sharding.Unsharded && v.copies {
		return sharding.Broadcast
	}
	return v.kind
}

func (v *viewInfo) readsOr(ti tableInfo) string {
	if v.reads != "" {
		return v.reads
	}
	return ti.String()
}

// checkViewPlan refuses a statement that reads a view whose rows are not
// the union of what each shard's copy answers. Restricting the view's key
// to one shard does not help: the shard applies the view's LIMIT or
// aggregates to its own rows before the statement's WHERE.
func (r *Router) checkViewPlan(p *Plan, user, db string) error {
	if _, ok := p.Stmt.Node.(*ast.DropTableStmt); ok {
		return nil
	}
	for _, t := range p.Stmt.Tables {
		ti, err := r.resolve(t.Schema, t.Name, user, db)
		if err != nil || ti.view == nil || ti.view.err != nil || ti.view.perShard == "" || ti.kind != sharding.Sharded {
			continue
		}
		if len(ti.table.Shards) > 1 {
			return errUnsupported("reading view %s is not supported: it has %s, which each shard's copy of the view applies to that shard's rows of %s only (also when the query is restricted to one shard)",
				ti, ti.view.perShard, ti.view.reads)
		}
	}
	return nil
}
