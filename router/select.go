package router

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// Names of the helper columns added to per-shard queries; they are
// stripped before rows reach the client.
const (
	hiddenOrderPrefix = "__xa_o"
	hiddenGroupPrefix = "__xa_g"
	hiddenDistinct    = "__xa_d"
)

func (r *Router) planSelect(p *Plan, sel *ast.SelectStmt, user, db string) error {
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	pl := place(tables)
	if len(pl.sharded) == 0 {
		return r.planNonSharded(p, pl, db, "")
	}
	if hasNested(sel) {
		return r.planNested(p, sel, user, db)
	}
	if what := complexPart(sel); what != "" {
		err := errUnsupported("%s over sharded table %s is not supported: xaproxy cannot run it correctly across shards (co-located joins and single-table queries are)", what, pl.sharded[0])
		if what != windowFunction {
			return err
		}
		// A window function reads only the rows of the FROM clause: one
		// shard that holds them all computes it as one server does.
		k, _, kerr := r.keyedFor(sel, user, db)
		if kerr != nil {
			return kerr
		}
		if !k.mayPickOne() {
			return err // refused now (at PREPARE), as it would be at every bind
		}
		k.singleOnly = err.(*mysql.MyError)
		p.keyed = k
		return nil
	}
	return r.planKeyed(p, sel, user, db)
}

// keyedFor routes a SELECT's FROM clause by its shard keys (keyedSelect).
func (r *Router) keyedFor(sel *ast.SelectStmt, user, db string) (*keyedPlan, []tableInfo, error) {
	from, _, err := r.fromTables(sel.From, user, db)
	if err != nil {
		return nil, nil, err
	}
	var own owners
	if len(from) > 1 && hasUnqualified(sel) {
		if own, err = r.columnOwners(from); err != nil {
			return nil, nil, err
		}
	}
	k, err := r.keyedSelect(from, sel.From, sel.Where, own)
	return k, from, err
}

// planKeyed plans a query over co-located sharded tables (and broadcast
// ones) by their shard key, merging the shards' answers.
func (r *Router) planKeyed(p *Plan, sel *ast.SelectStmt, user, db string) error {
	k, from, err := r.keyedFor(sel, user, db)
	if err != nil {
		return err
	}
	m, err := newSelectMerge(sel, r.scanOrder(from, sel), r.groupRepKey(from, sel), r.onlyPrimaryIndex(from), r.groupsOnShard(from, sel), r.realColumns(from), r.tableColumns(from), r.columnQualifier(from, sel))
	if err == nil && m.merge.Agg != nil {
		err = r.concatEnums(from, sel)
	}
	if err == nil {
		err = m.textError(tableScope{r, from}, r.shardKeyOf(from, sel)) // refused unless one shard runs it
	}
	if ng := (*NonGroupedError)(nil); errors.As(err, &ng) {
		r.qualify(ng, from, sel)
		return err // MariaDB's own error under ONLY_FULL_GROUP_BY (proxy/catalog.go)
	}
	if me, ok := err.(*mysql.MyError); ok && me.Code == mysql.ER_NOT_SUPPORTED_YET && k.mayPickOne() {
		// A form the merge cannot compute (GROUP_CONCAT, ...) still runs
		// as written on one shard, which holds every row it reads: only
		// a bind whose key conditions reach several shards is refused
		// (k = 1 is one shard whatever the value).
		k.singleOnly = me
		p.keyed = k
		return nil
	}
	if err != nil {
		return err
	}
	if m.merge.Agg != nil && m.merge.Agg.NonGrouped != nil {
		r.qualify(m.merge.Agg.NonGrouped, from, sel)
	}
	m.merge.ComputedFrom = computedOrigins(from)
	m.once = r.onceWarnings(from, sel)
	k.merge = m
	p.keyed = k
	return bindFrom(p, sel)
}

// groupRepKey is the one-column primary key of an aggregate or DISTINCT
// SELECT's one table, by whose lowest value the merge picks the row that
// stands for a group (planAggregate, planDistinct); "" for other selects,
// views and tables whose key the catalog does not know or that has several
// columns.
func (r *Router) groupRepKey(from []tableInfo, sel *ast.SelectStmt) string {
	if len(from) != 1 || !sel.Distinct && !isAggregate(sel) || from[0].view != nil {
		return ""
	}
	def := r.Catalog().Table(from[0].schema, from[0].name)
	if def == nil || len(def.Unique) == 0 || def.Unique[0].Name != "PRIMARY" || len(def.Unique[0].Columns) != 1 {
		return ""
	}
	return def.Unique[0].Columns[0]
}

// onlyPrimaryIndex tells whether the statement's one table has a primary
// key and no other index, so that one MariaDB reads its rows in the key's
// order whatever the WHERE (no other index for a range or a covering
// scan); false for a join, a view or a table the catalog does not know.
func (r *Router) onlyPrimaryIndex(from []tableInfo) bool {
	if len(from) != 1 || from[0].view != nil {
		return false
	}
	def := r.Catalog().Table(from[0].schema, from[0].name)
	return def != nil && len(def.Unique) == 1 && def.Unique[0].Name == "PRIMARY" && len(def.Indexes) == 0
}

// realColumns are the FLOAT and DOUBLE columns (lower-cased) of the
// statement's one table, nil for a join or a view.
func (r *Router) realColumns(from []tableInfo) map[string]bool {
	if len(from) != 1 || from[0].view != nil {
		return nil
	}
	def := r.Catalog().Table(from[0].schema, from[0].name)
	if def == nil {
		return nil
	}
	var out map[string]bool
	for _, c := range def.Columns {
		if t := strings.ToLower(c.Type); strings.HasPrefix(t, "float") || strings.HasPrefix(t, "double") || strings.HasPrefix(t, "real") {
			if out == nil {
				out = map[string]bool{}
			}
			out[strings.ToLower(c.Name)] = true
		}
	}
	return out
}

// groupsOnShard tells whether each group of a GROUP BY lives on one
// shard: the GROUP BY names the shard key column of a sharded table of the
// statement whose values route as they are stored (a key declared or
// read as an integer, on an integer column: a hash key of unknown type
// routes 7.2 apart from 7, which an INT column stores alike; a string
// key's collation calls values equal that route apart, sharding/doc.go),
// on no outer join's NULL-extended side, so that every row of a group
// comes from that table's rows with one key value, on one shard (its
// co-located tables' rows with them; broadcast tables are whole on every
// shard). Left to the partial-aggregate merge: DISTINCT (its hidden order
// columns would change what is distinct), a GROUP BY name that is also a
// select alias (MariaDB groups by the column, orders as the alias may
// say), and a position beside a wildcard.
func (r *Router) groupsOnShard(from []tableInfo, sel *ast.SelectStmt) bool {
	if sel.GroupBy == nil || sel.GroupBy.Rollup || sel.Distinct || len(from) == 0 || groupShadowed(sel) {
		return false
	}
	nullable, ok := nullableSides(sel.From.TableRefs)
	if !ok {
		return false
	}
	for _, item := range sel.GroupBy.Items {
		e := item.Expr
		if _, isPos := e.(*ast.PositionExpr); isPos {
			var err error
			if e, err = resolveByItem(e, sel.Fields.Fields, false); err != nil {
				continue
			}
		}
		if r.isShardKeyColumn(e, from, nullable) {
			return true
		}
	}
	return false
}

// isShardKeyColumn tells whether e is the integer-routed shard key column
// of a sharded FROM table on no outer join's nullable side (nullable, from
// nullableSides): the rows of one value of e all live on one shard.
func (r *Router) isShardKeyColumn(e ast.ExprNode, from []tableInfo, nullable map[string]bool) bool {
	c, ok := e.(*ast.ColumnNameExpr)
	if !ok {
		return false
	}
	for _, t := range from {
		if t.kind != sharding.Sharded || t.table == nil || t.view != nil || !strings.EqualFold(c.Name.Name.O, t.table.ShardKey) {
			continue
		}
		// Unqualified only in a one-table statement: in a join the
		// name may be another table's column.
		q := c.Name.Table.L
		if (q == t.alias || q == "" && len(from) == 1) && !nullable[t.alias] && integerKey(t, r.Catalog().Table(t.schema, t.name)) {
			return true
		}
	}
	return false
}

// shardKeyOf is isShardKeyColumn over sel's FROM tables; nil when the
// FROM clause's outer joins are not known.
func (r *Router) shardKeyOf(from []tableInfo, sel *ast.SelectStmt) func(ast.ExprNode) bool {
	if sel.From == nil {
		return nil
	}
	nullable, ok := nullableSides(sel.From.TableRefs)
	if !ok {
		return nil
	}
	return func(e ast.ExprNode) bool { return r.isShardKeyColumn(e, from, nullable) }
}

// groupShadowed tells whether a GROUP BY name is also a select alias, or a
// GROUP BY position stands beside a wildcard (whose columns the position
// counts).
func groupShadowed(sel *ast.SelectStmt) bool {
	wildcard := false
	aliases := map[string]bool{}
	for _, f := range sel.Fields.Fields {
		wildcard = wildcard || f.WildCard != nil
		if f.AsName.L != "" {
			aliases[f.AsName.L] = true
		}
	}
	for _, item := range sel.GroupBy.Items {
		switch x := item.Expr.(type) {
		case *ast.PositionExpr:
			if wildcard {
				return true
			}
		case *ast.ColumnNameExpr:
			if x.Name.Table.L == "" && aliases[x.Name.Name.L] {
				return true
			}
		}
	}
	return false
}

// integerKey tells whether t routes its key as an integer and the catalog
// knows the key column as one.
func integerKey(t tableInfo, def *catalog.Table) bool {
	if t.table.KeyType() != sharding.Integer || def == nil {
		return false
	}
	i := def.ColumnIndex(t.table.ShardKey)
	if i < 0 {
		return false
	}
	k, err := keyColumnOf(def.Columns[i])
	return err == nil && k.integer
}

// nullableSides lists, by alias, the tables of a FROM on the
// NULL-extended side of an outer join (the right of a LEFT JOIN, the left
// of a RIGHT JOIN): their NULL-extended rows carry no key of their shard.
// ok is false for a FROM of other than tables and joins.
func nullableSides(n ast.ResultSetNode) (map[string]bool, bool) {
	nullable := map[string]bool{}
	var walk func(n ast.ResultSetNode, outer bool) bool
	walk = func(n ast.ResultSetNode, outer bool) bool {
		switch x := n.(type) {
		case *ast.Join:
			if x.Left != nil && !walk(x.Left, outer || x.Tp == ast.RightJoin) {
				return false
			}
			return x.Right == nil || walk(x.Right, outer || x.Tp == ast.LeftJoin)
		case *ast.TableSource:
			tn, isTable := x.Source.(*ast.TableName)
			if !isTable {
				return false
			}
			if outer {
				alias := x.AsName.L
				if alias == "" {
					alias = tn.Name.L
				}
				nullable[alias] = true
			}
			return true
		}
		return false
	}
	return nullable, walk(n, false)
}

// resolveAll resolves every table a statement names.
func (r *Router) resolveAll(st *Statement, user, db string) ([]tableInfo, error) {
	out := make([]tableInfo, 0, len(st.Tables))
	for _, t := range st.Tables {
		ti, err := r.resolve(t.Schema, t.Name, user, db)
		if err != nil {
			return nil, err
		}
		out = append(out, ti)
	}
	return out, nil
}

// planNonSharded places a statement whose tables are all unsharded or
// broadcast: one shard holds everything it reads.
func (r *Router) planNonSharded(p *Plan, pl placement, db, what string) error {
	switch {
	case len(pl.homes) > 1:
		return errUnsupported("statement reads unsharded tables on shards %s and %s: statements spanning shards are not supported for unsharded tables", pl.homes[0], pl.homes[1])
	case len(pl.homes) == 1:
		if len(pl.broadcast) > 0 && !contains(pl.broadcastShards(r.rules.Shards()), pl.homes[0]) {
			return errUnsupported("broadcast table %s has no copy on shard %s, where the unsharded tables of this statement live", pl.broadcast[0], pl.homes[0])
		}
		p.fixed = pl.homes[0]
	case len(pl.broadcast) > 0:
		candidates := pl.broadcastShards(r.rules.Shards())
		if len(candidates) == 0 {
			return errUnsupported("broadcast tables %s and %s share no shard", pl.broadcast[0], pl.broadcast[len(pl.broadcast)-1])
		}
		// The session's default shard first: it is the likeliest to be in
		// the session's transaction already.
		home := r.DefaultShard(db)
		if contains(candidates, home) {
			candidates = append([]string{home}, without(candidates, home)...)
		}
		p.anyOf = candidates
	default:
		p.fixed = r.DefaultShard(db)
	}
	return nil
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// windowFunction is complexPart's name for a window function.
const windowFunction = "a window function"

// complexPart names the first construct that a sharded query may not use,
// a window function only when it has no other.
func complexPart(n ast.Node) string {
	f := &complexFinder{}
	n.Accept(f)
	if f.what == "" && f.windows {
		return windowFunction
	}
	return f.what
}

type complexFinder struct {
	what  string
	depth int
	// windows: a window function was met (the search goes on for the
	// other constructs).
	windows bool
}

func (f *complexFinder) Enter(n ast.Node) (ast.Node, bool) {
	if f.what != "" {
		return n, true
	}
	switch x := n.(type) {
	case *ast.SelectStmt:
		f.depth++
		if f.depth > 1 {
			f.what = "a subquery"
		}
		if x.With != nil {
			f.what = "a WITH clause"
		}
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr:
		f.what = "a subquery"
	case *ast.SetOprStmt:
		f.what = "UNION/INTERSECT/EXCEPT"
	case *ast.WindowFuncExpr:
		f.windows = true
	case *ast.TableSource:
		if _, ok := x.Source.(*ast.TableName); !ok {
			f.what = "a derived table"
		}
	case *ast.SelectIntoOption:
		f.what = "SELECT ... INTO"
	}
	return n, f.what != ""
}

func (f *complexFinder) Leave(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(*ast.SelectStmt); ok {
		f.depth--
	}
	return n, true
}

// joinedOnKeys is checkJoin for the nested SELECTs of a statement: their
// sharded tables must form one group, joined on their shard keys.
func (r *Router) joinedOnKeys(from []tableInfo, refs *ast.TableRefsClause, where ast.ExprNode) error {
	if b := replicatedKept(refs, from); b != "" {
		return errUnsupported("an outer join keeping the rows of broadcast table %s against a sharded table is not supported in a statement with subqueries or derived tables: every shard would add its own copy of %s's rows", b, b)
	}
	groups, err := r.checkJoin(from, refs, where, nil)
	if err != nil || len(groups) < 2 {
		return err
	}
	a, b := groups[0][0], groups[1][0]
	return errUnsupported("join of %s and %s is not on their shard keys (%s.%s = %s.%s): matching rows may live on different shards",
		a, b, a.alias, a.table.ShardKey, b.alias, b.table.ShardKey)
}

// checkJoin accepts joins that each shard can answer alone: sharded tables
// co-located, broadcast tables present on every shard involved, no
// unsharded tables. It returns the sharded tables grouped by the equalities
// of their shard keys in ON and WHERE: within a group each result row's
// rows share one key value, so one shard holds them all. Several groups are
// answered by one shard only when each group's key is restricted to values
// of that shard (keyedSelect checks that).
func (r *Router) checkJoin(from []tableInfo, refs *ast.TableRefsClause, where ast.ExprNode, own owners) ([][]tableInfo, error) {
	var sharded []tableInfo
	for _, t := range from {
		switch t.kind {
		case sharding.Unsharded:
			return nil, errUnsupported("join of unsharded table %s with a sharded table is not supported: their rows live on different shards", t)
		case sharding.Sharded:
			sharded = append(sharded, t)
		}
	}
	for _, t := range from {
		if t.kind != sharding.Broadcast {
			continue
		}
		for _, s := range sharded[0].table.Shards {
			if !contains(t.table.Shards, s) {
				return nil, errUnsupported("broadcast table %s has no copy on shard %s, which holds rows of %s", t, s, sharded[0])
			}
		}
	}
	if len(sharded) == 1 {
		return [][]tableInfo{sharded}, nil
	}
	for _, t := range sharded[1:] {
		if !r.rules.Colocated(sharded[0].table, t.table) {
			return nil, errUnsupported("join of %s and %s is not supported: they are not sharded alike (same algorithm and shards), so matching rows may live on different shards", sharded[0], t)
		}
	}
	// Union-find over key equalities from ON and WHERE conjuncts.
	parent := make([]int, len(sharded))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	names := keyNames(sharded, refs)
	keyOf := func(e ast.ExprNode, unqualified bool) int {
		for i, t := range sharded {
			kt := keyTarget{tables: []tableInfo{t}, owners: own}
			if unqualified {
				kt.keyNames = names
			}
			if kt.isKey(e) {
				return i
			}
		}
		return -1
	}
	link := func(conds []ast.ExprNode, unqualified bool) {
		for _, c := range conds {
			b, ok := unparen(c).(*ast.BinaryOperationExpr)
			if !ok || b.Op != opcode.EQ {
				continue
			}
			i, j := keyOf(b.L, unqualified), keyOf(b.R, unqualified)
			if i >= 0 && j >= 0 {
				parent[find(i)] = find(j)
			}
		}
	}
	var on []ast.ExprNode
	collectOn(refs.TableRefs, &on)
	link(on, false)
	link(splitAnd(where, nil), true)
	usingJoins(refs.TableRefs, sharded, func(i, j int) { parent[find(i)] = find(j) })
	var groups [][]tableInfo
	index := map[int]int{}
	for i, t := range sharded {
		root := find(i)
		g, ok := index[root]
		if !ok {
			g = len(groups)
			index[root] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], t)
	}
	return groups, nil
}

// keyNames counts the sharded tables by shard key name, for resolving
// unqualified key names in WHERE; nil when the FROM clause has other
// sources than tables (a derived table's columns are unknown).
func keyNames(sharded []tableInfo, refs *ast.TableRefsClause) map[string]int {
	if refs == nil || !plainSources(refs.TableRefs) {
		return nil
	}
	out := map[string]int{}
	for _, t := range sharded {
		out[strings.ToLower(t.table.ShardKey)]++
	}
	return out
}

// plainSources tells whether every source of a FROM clause is a table.
func plainSources(n ast.ResultSetNode) bool {
	switch x := n.(type) {
	case nil:
		return true
	case *ast.Join:
		return plainSources(x.Left) && plainSources(x.Right)
	case *ast.TableSource:
		_, ok := x.Source.(*ast.TableName)
		return ok
	case *ast.TableName:
		return true
	}
	return false
}

func collectOn(n ast.ResultSetNode, out *[]ast.ExprNode) {
	j, ok := n.(*ast.Join)
	if !ok {
		return
	}
	if j.Left != nil {
		collectOn(j.Left, out)
	}
	if j.Right != nil {
		collectOn(j.Right, out)
	}
	if j.On != nil {
		*out = splitAnd(j.On.Expr, *out)
	}
}

// usingJoins links tables joined with USING (key) on their shard key.
func usingJoins(n ast.ResultSetNode, sharded []tableInfo, link func(i, j int)) {
	j, ok := n.(*ast.Join)
	if !ok || j.Right == nil {
		return
	}
	usingJoins(j.Left, sharded, link)
	usingJoins(j.Right, sharded, link)
	if len(j.Using) == 0 {
		return
	}
	left, right := sourceAliases(j.Left), sourceAliases(j.Right)
	for _, col := range j.Using {
		for li, t := range sharded {
			if !left[t.alias] || !strings.EqualFold(col.Name.O, t.table.ShardKey) {
				continue
			}
			for ri, u := range sharded {
				if right[u.alias] && strings.EqualFold(col.Name.O, u.table.ShardKey) {
					link(li, ri)
				}
			}
		}
	}
}

func sourceAliases(n ast.ResultSetNode) map[string]bool {
	out := map[string]bool{}
	var walk func(ast.ResultSetNode)
	walk = func(n ast.ResultSetNode) {
		switch x := n.(type) {
		case *ast.Join:
			if x.Left != nil {
				walk(x.Left)
			}
			if x.Right != nil {
				walk(x.Right)
			}
		case *ast.TableSource:
			if x.AsName.O != "" {
				out[x.AsName.L] = true
			} else if tn, ok := x.Source.(*ast.TableName); ok {
				out[tn.Name.L] = true
			}
		}
	}
	walk(n)
	return out
}

// limitSrc is a LIMIT count or offset: a literal or a parameter.
type limitSrc struct {
	n     int64
	param int // >= 0: parameter index
}

func limitValue(e ast.ExprNode) (limitSrc, error) {
	switch x := e.(type) {
	case nil:
		return limitSrc{n: -1, param: -1}, nil
	case *driver.ParamMarkerExpr:
		return limitSrc{param: x.Order}, nil
	case *driver.ValueExpr:
		switch v := x.GetValue().(type) {
		case int64:
			return limitSrc{n: v, param: -1}, nil
		case uint64:
			// Above math.MaxInt64 no result has that many rows: the
			// same answer (LIMIT 3 OFFSET 18446744073709551614: none).
			return limitSrc{n: int64(min(v, math.MaxInt64)), param: -1}, nil
		}
	}
	return limitSrc{}, errUnsupported("LIMIT takes integer literals or parameters")
}

// value is the LIMIT count or offset; a parameter converts as MariaDB
// converts it (limitParam), capped at math.MaxInt64 (no limit).
func (l limitSrc) value(params []Param) (int64, error) {
	if l.param < 0 {
		return l.n, nil
	}
	if l.param >= len(params) {
		return 0, fmt.Errorf("LIMIT parameter %d not bound", l.param+1)
	}
	n, err := limitParam(params[l.param], l.param)
	if err != nil {
		return 0, err
	}
	return int64(min(n, math.MaxInt64)), nil
}

// limitParam is the number MariaDB makes of parameter i bound to LIMIT
// or OFFSET (sharding.Value.AsUnsigned). A merge over shards applies it
// itself, without MariaDB's warnings: text that is not an integer ('2.7'
// is 2 with a warning) is refused, and so is a temporal value (a DATE is
// 20200102, a TIME 30405), which the proxy does not convert.
func limitParam(p Param, i int) (uint64, error) {
	if p.Null {
		return 0, nil
	}
	if isTemporalType(p.Type) {
		return 0, errUnsupported("LIMIT parameter %d is a date or time, which MariaDB reads as a number of its digits; over several shards bind an integer", i+1)
	}
	n, clean := p.Key.AsUnsigned()
	if !clean {
		return 0, errUnsupported("LIMIT parameter %d is %s, which MariaDB reads with a warning (Truncated incorrect INTEGER value); over several shards bind an integer", i+1, p.Key)
	}
	if p.Using && n > math.MaxInt64 && !p.Key.Unsigned() {
		// Negative: EXECUTE ... USING -1 (or @v holding -1) is refused.
		return 0, mysql.NewError(mysql.ER_WRONG_ARGUMENTS, "Incorrect arguments to EXECUTE")
	}
	return n, nil
}
