package router

import (
	"slices"
	"strings"

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

// behind is a body a statement runs: what runs it, where, and what it
// reaches.
type behind struct {
	kind   string   // "the stored routine", "the view", "a trigger of the sharded table"
	name   string   // its name, qualified for views and tables
	runsOn []string // the shards it runs on, when known from its table
	copies bool     // it runs on every copy of its broadcast table
	reach  catalog.Reach
}

func (b behind) what() string { return b.kind + " " + b.name }

// behindOf lists the bodies st runs: the routines it calls, those the
// views it reads call (a statement that runs them: DDL and SHOW naming a
// view run nothing), and the triggers (and defaults) its writes fire.
func (r *Router) behindOf(st *Statement, db string) []behind {
	cat := r.Catalog()
	if !cat.HasReach() {
		return nil // no routine, trigger, default or view reaches anything
	}
	var out []behind
	if call, ok := st.Node.(*ast.CallStmt); ok {
		p := call.Procedure
		if reach := cat.ProcedureReach(orDB(p.Schema.O, db), p.FnName.O); !reach.Empty() {
			out = append(out, behind{kind: "the stored routine", name: p.FnName.O, reach: reach})
		}
	}
	for _, f := range st.Funcs {
		// Every name called is looked up as a function (for CALL p(),
		// p too: a function p would be checked, which only refuses
		// more); a procedure named like a builtin does not stand for it.
		if reach := cat.RoutineReach(orDB(f.Schema, db), f.Name); !reach.Empty() {
			out = append(out, behind{kind: "the stored routine", name: f.Name, reach: reach})
		}
	}
	if runsRows(st) {
		for _, t := range st.Tables {
			if reach := cat.ViewReach(t.In(db), t.Name); !reach.Empty() {
				out = append(out, behind{kind: "the view", name: t.In(db) + "." + t.Name, reach: reach})
			}
		}
	}
	events := firedEvents(st)
	for _, t := range writtenTables(st) {
		takes := func(cols []string) bool {
			return len(cols) > 0 && (usesDefaults(st, cols) || omitsInvisible(st, cat.Table(t.In(db), t.Name), cols))
		}
		if cols := cat.SequenceDefaults(t.In(db), t.Name); takes(cols) {
			out = append(out, behind{kind: "a column default of the table", name: t.In(db) + "." + t.Name, reach: catalog.Reach{Sequences: true}})
		}
		if cols := cat.RandomDefaults(t.In(db), t.Name); takes(cols) {
			out = append(out, behind{kind: "a column default of the table", name: t.In(db) + "." + t.Name, reach: catalog.Reach{Random: true}})
		}
		reach := cat.WriteReach(t.In(db), t.Name, events...)
		if reach.Empty() {
			continue
		}
		kind, runsOn := r.placedOn(t.In(db), t.Name)
		out = append(out, behind{kind: "a trigger of the " + kind.String() + " table", name: t.In(db) + "." + t.Name,
			runsOn: runsOn, copies: kind == sharding.Broadcast, reach: reach})
	}
	return out
}

// runsRows: a statement that reads or writes the rows of the tables it
// names (a view's definition then runs): any but DDL without a SELECT,
// SHOW, LOCK TABLES and a plain EXPLAIN.
func runsRows(st *Statement) bool {
	switch n := st.Node.(type) {
	case *ast.CreateTableStmt:
		return n.Select != nil
	case ast.DDLNode, *ast.ShowStmt, *ast.LockTablesStmt:
		return false
	case *ast.ExplainStmt:
		return n.Analyze
	}
	return true
}

// checkRoutines refuses st when a body it runs reaches what its shard
// cannot stand for; a routine qualified by a schema the proxy does not
// serve is refused as its tables would be.
func (r *Router) checkRoutines(st *Statement, user, db string) error {
	for _, f := range st.Funcs {
		if f.Schema != "" && r.rules.Schema(f.Schema) == nil {
			if err := r.CheckSchema(user, f.Schema); err != nil {
				return err
			}
		}
	}
	for _, b := range r.behindOf(st, db) {
		if err := r.checkBody(b); err != nil {
			return err
		}
	}
	return nil
}

// checkBody refuses a body whose reach one shard cannot stand for.
func (r *Router) checkBody(b behind) error {
	switch {
	case b.reach.Aggregate:
		return errUnsupported("%s is a stored aggregate function: each shard would aggregate its own rows; compute the aggregate in a statement of its own", b.what())
	case b.reach.Dynamic:
		return errUnsupported("%s runs dynamic SQL (PREPARE, EXECUTE), which would run on one shard past xaproxy's routing and checks; write those statements in the application", b.what())
	case b.reach.Admin:
		return errUnsupported("%s manages the server, accounts, files, session variables, transactions or table locks, which xaproxy refuses or keeps for the session itself; do that outside the routine", b.what())
	case b.reach.Session:
		return errUnsupported("%s reads LAST_INSERT_ID(), FOUND_ROWS(), ROW_COUNT(), CONNECTION_ID(), the user, LASTVAL() or a user-level lock, which xaproxy keeps for the session while the routine would use a shard connection's; do that in the application's statement", b.what())
	case b.reach.InfoSchema:
		return errUnsupported("%s reads information_schema or runs SHOW, which on a shard describe that shard's part of the tables; run them through xaproxy instead", b.what())
	case b.reach.Random && b.copies && len(b.runsOn) > 1:
		return errRandomCopies(b)
	case b.reach.Unreadable:
		return errUnsupported("xaproxy's backend account may not read the body of %s, so it cannot tell which tables it reaches; grant it SHOW CREATE ROUTINE or SELECT on mysql.proc", b.what())
	}
	t, kind := r.outOfReach(b.reach, b.copies, b.runsOn)
	if t == nil {
		return nil
	}
	runs := "it would run on one shard"
	if b.runsOn != nil {
		runs = "it would run on the shard of each row"
	}
	return errUnsupported("%s names the %s table %s.%s%s: %s and %s; "+
		"run those reads and writes as statements of their own (one transaction keeps them atomic)",
		b.what(), kind, t.Schema, t.Name, written(kind, b.reach), runs, routineSees(kind))
}

// errRandomCopies refuses a body that computes values each server
// computes anew, run on every copy of a broadcast table.
func errRandomCopies(b behind) error {
	return errUnsupported("%s calls a function or reads a variable that each server has its own value of (UUID(), SYS_GUID(), RAND(), RANDOM_BYTES(), SYSDATE(), @@server_id, ..., also through a column default it takes), and runs on every copy of a broadcast table: the copies would differ, where one server stores one value; compute the value in the statement's literals or parameters instead", b.what())
}

// outOfReach returns the first table of reach that the body, run on the
// shards runsOn (nil: some one shard), cannot stand for, and its kind: a
// sharded one; a broadcast one it may write, unless it runs on every copy
// of a broadcast table copied to the same shards; an unsharded one not
// alone on the shard it runs on.
func (r *Router) outOfReach(reach catalog.Reach, copies bool, runsOn []string) (*catalog.Named, sharding.TableKind) {
	for i, t := range reach.Tables {
		kind, shards := r.placedOn(t.Schema, t.Name)
		switch {
		case kind == sharding.Sharded,
			kind == sharding.Broadcast && reach.Writes && !(copies && sameShards(shards, runsOn)),
			kind == sharding.Unsharded && runsOn != nil && !sameShards(shards, runsOn):
			return &reach.Tables[i], kind
		}
	}
	return nil, sharding.Unsharded
}

// placedOn tells how a table is placed, and the shards that hold it.
func (r *Router) placedOn(schema, table string) (sharding.TableKind, []string) {
	if s := r.rules.Schema(schema); s != nil {
		if kind, t := s.Lookup(table); t != nil {
			return kind, t.Shards
		}
	}
	return sharding.Unsharded, []string{r.DefaultShard(schema)}
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

// usesDefaults tells whether st may store the default of one of cols: an
// INSERT that leaves one out of its column list, writes DEFAULT into one
// (or into a row without a column list) or an empty row, an UPDATE that
// sets one to DEFAULT, any LOAD DATA (a short line takes the defaults).
func usesDefaults(st *Statement, cols []string) bool {
	named, unknown := defaultedColumns(st)
	if unknown || slices.ContainsFunc(cols, func(c string) bool {
		return slices.ContainsFunc(named, func(x string) bool { return strings.EqualFold(x, c) })
	}) {
		return true
	}
	n, ok := st.Node.(*ast.InsertStmt)
	if !ok {
		_, load := st.Node.(*ast.LoadDataStmt)
		return load
	}
	listed := n.Columns // INSERT ... SET names them here too
	if len(listed) == 0 {
		// VALUES give every column, but an empty row (VALUES ()) none.
		return n.Select == nil && slices.ContainsFunc(n.Lists, func(row []ast.ExprNode) bool { return len(row) == 0 })
	}
	for _, c := range cols {
		if !slices.ContainsFunc(listed, func(x *ast.ColumnName) bool { return strings.EqualFold(x.Name.O, c) }) {
			return true
		}
	}
	return false
}

// omitsInvisible tells whether st is an INSERT without a column list into
// def while one of cols is INVISIBLE: such an INSERT gives it its default.
func omitsInvisible(st *Statement, def *catalog.Table, cols []string) bool {
	n, ok := st.Node.(*ast.InsertStmt)
	if !ok || len(n.Columns) > 0 || def == nil {
		return false
	}
	return slices.ContainsFunc(cols, func(c string) bool {
		i := def.ColumnIndex(c)
		return i >= 0 && def.Columns[i].Invisible
	})
}

// defaultedColumns lists the columns st writes their default into: a
// DEFAULT in a row under a column list or assigned (SET c = DEFAULT, ON
// DUPLICATE KEY UPDATE c = DEFAULT), and the c of DEFAULT(c); unknown: a
// DEFAULT whose column it cannot tell (a row without a column list).
func defaultedColumns(st *Statement) (cols []string, unknown bool) {
	placed := map[*ast.DefaultExpr]string{}
	assigned := func(list []*ast.Assignment) {
		for _, a := range list {
			if d, ok := a.Expr.(*ast.DefaultExpr); ok && d.Name == nil {
				placed[d] = a.Column.Name.O
			}
		}
	}
	switch n := st.Node.(type) {
	case *ast.InsertStmt:
		for _, row := range n.Lists {
			for i, e := range row {
				if d, ok := e.(*ast.DefaultExpr); ok && d.Name == nil && i < len(n.Columns) {
					placed[d] = n.Columns[i].Name.O
				}
			}
		}
		assigned(n.OnDuplicate)
	case *ast.UpdateStmt:
		assigned(n.List)
	}
	anyNode(st.Node, func(x ast.Node) bool {
		d, ok := x.(*ast.DefaultExpr)
		switch {
		case !ok:
		case d.Name != nil:
			cols = append(cols, d.Name.Name.O)
		case placed[d] != "":
			cols = append(cols, placed[d])
		default:
			unknown = true
		}
		return false
	})
	return cols, unknown
}

// firedEvents are the trigger events st fires: an INSERT's, also UPDATE
// with ON DUPLICATE KEY UPDATE and DELETE for REPLACE; LOAD DATA's
// likewise.
func firedEvents(st *Statement) []string {
	var ev []string
	switch n := st.Node.(type) {
	case *ast.InsertStmt:
		ev = append(ev, catalog.EventInsert)
		if len(n.OnDuplicate) > 0 {
			ev = append(ev, catalog.EventUpdate)
		}
		if n.IsReplace {
			ev = append(ev, catalog.EventDelete)
		}
	case *ast.LoadDataStmt:
		ev = append(ev, catalog.EventInsert)
		if n.OnDuplicate == ast.OnDuplicateKeyHandlingReplace {
			ev = append(ev, catalog.EventDelete)
		}
	case *ast.UpdateStmt:
		ev = append(ev, catalog.EventUpdate)
	case *ast.DeleteStmt:
		ev = append(ev, catalog.EventDelete)
	}
	return ev
}

// writtenTables are the tables whose triggers st may fire: an INSERT's
// or LOAD DATA's target, every table of an UPDATE or DELETE (those it only
// reads too, which only refuses more).
func writtenTables(st *Statement) []TableRef {
	switch n := st.Node.(type) {
	case *ast.InsertStmt:
		if n.Table != nil {
			if t := firstTableName(n.Table.TableRefs); t != nil {
				return []TableRef{{Schema: t.Schema.O, Name: t.Name.O}}
			}
		}
	case *ast.LoadDataStmt:
		if n.Table != nil {
			return []TableRef{{Schema: n.Table.Schema.O, Name: n.Table.Name.O}}
		}
	case *ast.UpdateStmt, *ast.DeleteStmt:
		return st.Tables
	}
	return nil
}

// firstTableName is the first table a join names.
func firstTableName(j *ast.Join) *ast.TableName {
	var found *ast.TableName
	anyNode(j, func(n ast.Node) bool {
		found, _ = n.(*ast.TableName)
		return found != nil
	})
	return found
}

// CheckRunsOn refuses st, about to run as ex, when a body it runs calls a
// function of a per-server sequence and it runs on several shards
// (serverseq.go), or when a routine it calls names an unsharded table,
// or a broadcast one, that a shard it may run on lacks.
func (r *Router) CheckRunsOn(st *Statement, db string, ex *Exec) error {
	if err := r.checkSequenceHomes(st, db, ex); err != nil {
		return err
	}
	for _, b := range r.behindOf(st, db) {
		if b.reach.Sequences && len(ex.Parts) > 1 {
			return errUnsupported("%s calls UUID_SHORT(), NEXTVAL, SETVAL or RAND(N), which give each shard's own values: a statement that runs it on several shards is not supported; restrict the statement to one shard", b.what())
		}
		if b.reach.Random && ex.Copies && len(ex.Parts) > 1 {
			return errRandomCopies(b)
		}
		if b.runsOn != nil {
			continue // a trigger: checked against its table's shards
		}
		for _, t := range b.reach.Tables {
			kind, on := r.placedOn(t.Schema, t.Name)
			if kind == sharding.Sharded {
				continue // refused at planning (checkRoutines)
			}
			if s := shardOutside(ex, on); s != "" {
				return errUnsupported("%s names the %s table %s.%s, which only shard(s) %s hold, and this statement may run it on shard %s; "+
					"read that table in a statement of its own", b.what(), kind, t.Schema, t.Name, strings.Join(on, ", "), s)
			}
		}
	}
	return nil
}

// shardOutside returns a shard ex may run on (its parts, or any of the
// shards it may pick from) that is not in on; "" when none.
func shardOutside(ex *Exec, on []string) string {
	for _, p := range ex.Parts {
		if !slices.Contains(on, p.Shard) {
			return p.Shard
		}
	}
	for _, s := range ex.AnyOf {
		if !slices.Contains(on, s) {
			return s
		}
	}
	return ""
}

// CheckSetReads refuses a SET whose values, run on shard, would read what
// that shard cannot stand for: a sharded table or a view over one, a
// table it does not hold, a routine out of reach (a table of a hidden
// schema as any statement's).
func (r *Router) CheckSetReads(st *Statement, user, db, shard string) error {
	if err := r.checkViews(st, user, db); err != nil {
		return err // a view that cannot be read through the proxy
	}
	tables, err := r.resolveAll(st, user, db)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !t.wholeOn(shard) {
			return errUnsupported("SET with a value read from the %s table %s is not supported: the SET runs on one shard (%s), which does not hold all its rows; read the value with a SELECT and SET it", t.kind, t, shard)
		}
	}
	if err := r.checkRoutines(st, user, db); err != nil {
		return err
	}
	return r.CheckRunsOn(st, db, &Exec{Parts: []Part{{Shard: shard}}})
}

// wholeOn tells whether a statement run on shard reads all of t's rows
// there: information_schema (filtered per session), or an unsharded or
// broadcast table, or a view of such, that the shard holds.
func (t tableInfo) wholeOn(shard string) bool {
	if t.infoSchema {
		return true
	}
	return t.kind != sharding.Sharded && slices.Contains(placementShards(t), shard) && (t.view == nil || t.view.perShard == "")
}

// locksForUpdate: a SELECT of n (a subquery or derived table too) takes
// exclusive row locks (FOR UPDATE, with NOWAIT, WAIT n or SKIP LOCKED),
// which MariaDB 10.11 counts as a write in a READ ONLY transaction (1792)
// while LOCK IN SHARE MODE is a read there (checked).
func locksForUpdate(n ast.Node) bool {
	if n == nil {
		return false
	}
	return anyNode(n, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectStmt)
		if !ok || sel.LockInfo == nil {
			return false
		}
		switch sel.LockInfo.LockType {
		case ast.SelectLockForUpdate, ast.SelectLockForUpdateNoWait, ast.SelectLockForUpdateWaitN, ast.SelectLockForUpdateSkipLocked:
			return true
		}
		return false
	})
}
