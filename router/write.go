package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// insertPlan splits the rows of an INSERT into a sharded table by shard.
type insertPlan struct {
	ins   *ast.InsertStmt
	table *sharding.Table
	keys  []valSrc // shard key of each row
	// auto: the table has an AUTO_INCREMENT column, whose ids the proxy
	// gives (autoinc.go); keyIsAuto: it is the shard key.
	auto      *autoIncPlan
	keyIsAuto bool
	// stored says how the key column stores values, which rows are placed
	// by (keytype.go); nil: as written.
	stored *keyStore
	// implicit is where a row whose key is NULL goes (implicitKey);
	// hasImplicit: there is such a place.
	implicit    sharding.Value
	hasImplicit bool
	tpl         insertTemplate // made by compile (inserttemplate.go)
}

func (r *Router) planInsert(p *Plan, ins *ast.InsertStmt, user, db string) error {
	p.write = true
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	target, _, err := r.fromTables(ins.Table, user, db)
	if err != nil {
		return err
	}
	if len(target) != 1 {
		return errUnsupported("INSERT into %d tables", len(target))
	}
	t := target[0]
	pl := place(tables)
	if ins.Select != nil {
		if t.kind == sharding.Sharded && len(pl.broadcast) == 0 && len(pl.homes) == 0 {
			if err := upsertKeepsKey(ins, t); err != nil {
				return err
			}
			return r.planInsertSelect(p, ins, t, user, db) // insertselect.go
		}
		if len(pl.sharded) > 0 || len(pl.broadcast) > 0 {
			return errInsertSelect(t)
		}
		return r.planNonSharded(p, pl, db, "")
	}
	switch t.kind {
	case sharding.Unsharded:
		if len(pl.sharded) > 0 {
			return errUnsupported("statement writes unsharded table %s and reads sharded table %s", t, pl.sharded[0])
		}
		p.fixed = t.home
		return nil
	case sharding.Broadcast:
		if len(pl.sharded) > 0 {
			return errUnsupported("statement writes broadcast table %s and reads sharded table %s", t, pl.sharded[0])
		}
		// Every copy gets the same rows.
		p.fanout, p.copies = t.table.AllShards(), true
		return nil
	}
	key := t.table.ShardKey
	if err := upsertKeepsKey(ins, t); err != nil {
		return err
	}
	if len(pl.sharded) > 1 || len(pl.broadcast) > 0 || len(pl.homes) > 0 {
		return errUnsupported("INSERT into sharded table %s may not read other tables", t)
	}
	auto, err := r.planAutoInc(ins, t)
	if err != nil {
		return err
	}
	pos, width, err := r.keyPosition(ins, t, auto)
	if err != nil {
		return err
	}
	ip := &insertPlan{ins: ins, table: t.table, auto: auto, keyIsAuto: auto != nil && strings.EqualFold(auto.column, key), stored: r.storedKey(t)}
	ip.implicit, ip.hasImplicit = r.implicitKey(t)
	for i, row := range ins.Lists {
		if len(row) == 0 && len(ins.Columns) == 0 {
			return errUnsupported("INSERT ... VALUES () into sharded table %s: every column takes its default, so the row has no shard key %s to find its shard", t.name, key)
		}
		if len(row) != width {
			return errColumnCount(i + 1)
		}
		if ip.keyIsAuto {
			ip.keys = append(ip.keys, valSrc{}) // the row's id, at bind time
			continue
		}
		v, ok := literal(row[pos])
		if _, isDefault := row[pos].(*ast.DefaultExpr); isDefault && ip.hasImplicit {
			v, ok = valSrc{lit: ip.implicit, param: -1}, true
		}
		if !ok && ip.stored != nil && ip.stored.integer {
			// An integer key stores 0x2B as 43 (hexliteral.go).
			v = valSrc{param: -1}
			v.lit, ok = hexNumber(row[pos])
		}
		if !ok {
			return errUnsupported("INSERT into %s: the shard key %s must be a literal or a parameter, not %s", t.name, key, textOf(row[pos]))
		}
		ip.keys = append(ip.keys, v)
	}
	p.insert = ip
	return nil
}

// errInsertSelect refuses an INSERT ... SELECT into t that the shards
// cannot run as one server (insertselect.go runs the one form they can).
func errInsertSelect(t tableInfo) error {
	switch t.kind {
	case sharding.Broadcast:
		return errUnsupported("INSERT ... SELECT into broadcast table %s is not supported: write its rows with INSERT ... VALUES", t)
	case sharding.Unsharded:
		return errUnsupported("INSERT ... SELECT into unsharded table %s reading sharded or broadcast tables is not supported: the shard that holds %s does not hold all their rows", t, t.name)
	}
	return errUnsupported("INSERT ... SELECT into sharded table %s reading broadcast or unsharded tables is not supported: rows would have to move between shards (it runs from one co-located sharded table whose shard key gives the target's)", t)
}

// upsertKeepsKey refuses an ON DUPLICATE KEY UPDATE that would set the
// shard key of sharded table t to anything but itself.
func upsertKeepsKey(ins *ast.InsertStmt, t tableInfo) error {
	key := t.table.ShardKey
	for _, a := range ins.OnDuplicate {
		if strings.EqualFold(a.Column.Name.O, key) && !keepsKey(a.Expr, t) {
			return errUnsupported("ON DUPLICATE KEY UPDATE of shard key %s.%s is not supported: it would move the row to another shard (only %s = VALUES(%s) and %s = %s, which keep the row where it is, are)", t.name, key, key, key, key, key)
		}
	}
	return nil
}

// keyPosition finds where the shard key's value is in each VALUES row and
// how many values a row has: from the column list, or, for an INSERT that
// names no columns (as every mariadb-dump file), from the table's columns
// in the catalog.
func (r *Router) keyPosition(ins *ast.InsertStmt, t tableInfo, auto *autoIncPlan) (pos, width int, err error) {
	key := t.table.ShardKey
	if len(ins.Columns) > 0 {
		for i, c := range ins.Columns {
			if strings.EqualFold(c.Name.O, key) {
				return i, len(ins.Columns), nil
			}
		}
		if auto != nil && strings.EqualFold(auto.column, key) {
			return -1, len(ins.Columns), nil // every row gets a generated key
		}
		return -1, 0, errUnsupported("INSERT into sharded table %s without its shard key column %s: every row needs a key value to find its shard", t.name, key)
	}
	def, err := r.definition(t)
	if err != nil {
		return -1, 0, err
	}
	if def.ColumnIndex(key) < 0 {
		return -1, 0, errUnsupported("sharded table %s has no column %s, its shard key in xaproxy's configuration", t, key)
	}
	if pos = def.PositionOf(key); pos < 0 {
		return -1, 0, errUnsupported("INSERT into sharded table %s without a column list: its shard key %s is INVISIBLE, which such an INSERT leaves to its default; name the columns", t, key)
	}
	return pos, len(def.Positional()), nil
}

// errColumnCount is MariaDB's answer to a VALUES row of the wrong length.
func errColumnCount(row int) error {
	return mysql.NewError(mysql.ER_WRONG_VALUE_COUNT_ON_ROW, fmt.Sprintf("Column count doesn't match value count at row %d", row))
}

func (ip *insertPlan) bind(p *Plan, params []Param, opts BindOptions) (*Exec, error) {
	var ids *autoIncIDs
	if ip.auto != nil {
		var err error
		if ids, err = ip.auto.bind(params, len(ip.keys), opts); err != nil {
			return nil, err
		}
	}
	vals := make([]sharding.Value, len(ip.keys))
	for i, k := range ip.keys {
		vals[i] = k.value(params)
		if ip.keyIsAuto {
			vals[i] = ids.keyValue(i)
		}
		if vals[i].IsNull() && ip.hasImplicit && !ip.keyIsAuto {
			vals[i] = ip.implicit
		}
		if vals[i].IsNull() {
			return nil, errUnsupported("INSERT into %s: row %d has a NULL shard key %s, which no shard holds", ip.table.Name, i+1, ip.table.ShardKey)
		}
		var ok bool
		if vals[i], ok = opts.Text.key(vals[i]); !ok {
			return nil, errUnsupported("INSERT into %s: row %d's shard key %s has bytes above 0x7F in the session's character_set_client, in which xaproxy cannot tell the characters that place the row; it reads utf8mb4, utf8mb3 and latin1 (SET NAMES utf8mb4)", ip.table.Name, i+1, ip.table.ShardKey)
		}
		vals[i] = ip.stored.place(vals[i])
		if form := ip.table.KeyForm(); !form.Accepts(vals[i]) {
			return nil, errKeyForm("INSERT into", ip.table, i+1, vals[i], form)
		}
	}
	byShard, err := ip.table.LocateValues(vals)
	if err != nil {
		return nil, errUnsupported("INSERT into %s: %v", ip.table.Name, err)
	}
	e := &Exec{Write: true, InsertID: ids.insertID(), InsertIDIfWritten: ids != nil && ids.first == 0, upsert: len(ip.ins.OnDuplicate) > 0}
	if len(byShard) == 1 && !ids.rewrites() {
		for s := range byShard {
			e.Parts = []Part{{Shard: s}}
		}
		return e, nil
	}
	ret := p.Stmt.Returning
	if ret != nil {
		if ip.ins.IgnoreErr {
			// A shard answers nothing for an ignored row: its rows could
			// not be put back in VALUES order.
			return nil, errUnsupported("INSERT IGNORE ... RETURNING into sharded table %s must target one shard: the rows go to shards %s", ip.table.Name, strings.Join(sortedShards(ip.table, byShard), ", "))
		}
		e.Returning = &ReturningMerge{}
	}
	for _, s := range ip.table.Shards {
		rows, ok := byShard[s]
		if !ok {
			continue
		}
		txt, err := ip.text(rows, ids, params)
		if err == nil && ret != nil {
			txt, err = p.Stmt.returningText(txt)
			e.Returning.Rows = append(e.Returning.Rows, rows)
		}
		if err != nil {
			return nil, err
		}
		e.Parts = append(e.Parts, Part{Shard: s, SQL: txt, ValuesRows: rows})
	}
	e.rows = rowsSource{ip: ip, ids: ids, params: params}
	if ret != nil {
		e.rows.returning = p.Stmt
	}
	return e, nil
}

// planUpdateDelete routes UPDATE and DELETE like SELECT; every targeted
// shard runs the statement unchanged.
func (r *Router) planUpdateDelete(p *Plan, refs *ast.TableRefsClause, where ast.ExprNode, orderOrLimit bool, set []*ast.Assignment, user, db string) error {
	p.write = true
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	pl := place(tables)
	if len(pl.sharded) == 0 {
		if len(pl.broadcast) > 0 && len(pl.homes) == 0 {
			targets, _, err := r.fromTables(refs, user, db)
			if err != nil {
				return err
			}
			for _, t := range targets {
				if t.kind == sharding.Broadcast && len(targets) == 1 {
					p.fanout, p.copies = t.table.AllShards(), true
					return nil
				}
			}
			return errUnsupported("multi-table UPDATE/DELETE of broadcast tables is not supported")
		}
		if len(pl.broadcast) > 0 {
			return errUnsupported("UPDATE/DELETE mixing unsharded and broadcast tables is not supported: the broadcast copies would diverge")
		}
		return r.planNonSharded(p, pl, db, "")
	}
	if what := complexPart(p.Stmt.Node); what != "" {
		return errUnsupported("%s in an UPDATE/DELETE of sharded table %s is not supported", what, pl.sharded[0])
	}
	from, _, err := r.fromTables(refs, user, db)
	if err != nil {
		return err
	}
	if len(from) != 1 {
		return r.planJoinedWrite(p, from, refs, where, orderOrLimit, set, user, db)
	}
	t := from[0]
	for _, a := range set {
		if strings.EqualFold(a.Column.Name.O, t.table.ShardKey) {
			return errUnsupported("UPDATE of shard key %s.%s is not supported: it would move the row to another shard (DELETE and INSERT it instead)", t.name, t.table.ShardKey)
		}
	}
	kt := keyTarget{tables: []tableInfo{t}, single: true}
	k := &keyedPlan{table: t.table, conds: kt.keyConds(where)}
	switch {
	case orderOrLimit:
		k.singleOnly = errOrderLimitWrite(t.table)
	case p.Stmt.Returning != nil:
		k.returnOrder, k.singleOnly = r.deleteReturningOrder(t, p.Stmt.Returning)
	}
	k.once = r.onceWriteWarnings(p.Stmt, t, where)
	p.keyed = k
	return nil
}

// errOrderLimitWrite: ORDER BY/LIMIT must see all rows at once, so only one
// shard may run an UPDATE/DELETE with them.
func errOrderLimitWrite(t *sharding.Table) *mysql.MyError {
	return errUnsupported("UPDATE/DELETE with ORDER BY or LIMIT on sharded table %s must target one shard: the order and limit are over all its rows", t.Name).(*mysql.MyError)
}

// sortedShards lists the shards of byShard in the table's shard order.
func sortedShards(t *sharding.Table, byShard map[string][]int) []string {
	var out []string
	for _, s := range t.Shards {
		if _, ok := byShard[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// keepsKey tells whether an ON DUPLICATE KEY UPDATE value for the shard key
// leaves the row on its shard: the key itself (id = id), or the key of the
// row being inserted (id = VALUES(id), sequelize's upsert), which was routed
// by that very key to the shard where the duplicate is found.
func keepsKey(e ast.ExprNode, t tableInfo) bool {
	var name *ast.ColumnName
	switch x := unparen(e).(type) {
	case *ast.ColumnNameExpr:
		name = x.Name
	case *ast.ValuesExpr:
		if x.Column != nil {
			name = x.Column.Name
		}
	}
	if name == nil || !strings.EqualFold(name.Name.O, t.table.ShardKey) {
		return false
	}
	return (name.Table.O == "" || name.Table.L == t.alias) && (name.Schema.O == "" || strings.EqualFold(name.Schema.O, t.schema))
}

// rowsSource is what an INSERT split by shard renders its parts from.
type rowsSource struct {
	ip        *insertPlan
	ids       *autoIncIDs
	params    []Param
	returning *Statement // the statement, when it has RETURNING
}

// RowsText is the text of the split INSERT e holding only the VALUES rows
// given (0-based, in order, all of one part's shard): the executor runs a
// part's first rows alone to find which of them fails first. false when e
// is no split INSERT.
func (e *Exec) RowsText(rows []int) (string, bool, error) {
	if e.rows.ip == nil {
		return "", false, nil
	}
	txt, err := e.rows.ip.text(rows, e.rows.ids, e.rows.params)
	if err == nil && e.rows.returning != nil {
		txt, err = e.rows.returning.returningText(txt)
	}
	return txt, true, err
}
