package router

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// Sharded AUTO_INCREMENT (docs/auto-increment.md). Each shard's own counter
// would hand out the same ids as the others, so the proxy gives the ids:
// at bind time, before routing (the column may be the shard key), every
// row that would get a generated id (the column left out, NULL, 0 unless
// sql_mode has NO_AUTO_VALUE_ON_ZERO, DEFAULT) is given one from the
// table's sequence, and the shards run the statement with explicit ids.
//
// MariaDB's answers are kept: the row with the statement's first generated
// id carries it as LAST_INSERT_ID(id), so that its shard sets the
// connection's LAST_INSERT_ID() and names the id in its OK packet as
// MariaDB does for a generated id (an explicit id alone does neither); the
// statement's insert id for the client is Exec.InsertID. Explicit ids move
// the sequence past them, as they move MariaDB's counter.

// AutoIncIDs reserves ids of a table's sequence: the first of n
// consecutive new ids, all above seen, the highest explicit id given so
// far; later ids are above seen too. n == 0 only records seen.
type AutoIncIDs func(schema, table string, n int, seen uint64) (uint64, error)

// autoIncPlan is where an INSERT's AUTO_INCREMENT values are.
type autoIncPlan struct {
	schema, table, column string
	// pos is the column's index in each VALUES row; -1 when the column
	// list leaves it out (every row gets a generated id).
	pos int
	// vals are the rows' values of the column (nil entries: DEFAULT).
	vals []*valSrc
	// refuse, when set, says why generated ids cannot be given here;
	// refuseMixed why they cannot be given next to explicit ones.
	refuse, refuseMixed string
	why                 string // refuse's reason, if not evident
	// max is the column type's largest value (0: not an integer type the
	// router knows): a generated id above it fails the statement.
	max uint64
}

// planAutoInc finds the AUTO_INCREMENT column of an INSERT into a sharded
// table; nil when the table has none. The definition must be known: if the
// table had one, each shard would otherwise give the same ids.
func (r *Router) planAutoInc(ins *ast.InsertStmt, t tableInfo) (*autoIncPlan, error) {
	def, err := r.definition(t)
	if err != nil {
		return nil, err
	}
	i := def.AutoIncrement()
	if i < 0 {
		return nil, nil
	}
	a := &autoIncPlan{schema: t.schema, table: t.name, column: def.Columns[i].Name}
	if k, err := keyColumnOf(def.Columns[i]); err == nil && k.integer {
		a.max = k.hi
	}
	if len(ins.Columns) == 0 {
		// Its place among the columns such an INSERT gives; an INVISIBLE
		// one has none, and xaproxy would have to name the others.
		if a.pos = def.PositionOf(a.column); a.pos < 0 {
			return nil, errUnsupported("INSERT without a column list into sharded table %s, whose AUTO_INCREMENT column %s is INVISIBLE, is not supported: xaproxy names that column to give its ids; name the columns", t, a.column)
		}
	} else {
		a.pos = -1
		for j, c := range ins.Columns {
			if strings.EqualFold(c.Name.O, a.column) {
				a.pos = j
			}
		}
	}
	switch {
	case ins.IgnoreErr:
		a.refuse = "INSERT IGNORE"
	case len(ins.OnDuplicate) > 0:
		a.refuse, a.why, a.refuseMixed = upsertRefusal(def, a.column)
	}
	if a.pos < 0 {
		return a, nil
	}
	for _, row := range ins.Lists {
		if a.pos >= len(row) {
			return a, nil // planInsert answers the wrong value count
		}
		if _, ok := row[a.pos].(*ast.DefaultExpr); ok {
			a.vals = append(a.vals, nil)
			continue
		}
		v, ok := literal(row[a.pos])
		if !ok {
			return nil, errUnsupported("INSERT into sharded table %s: the AUTO_INCREMENT column %s must be given as a literal, a parameter, NULL or DEFAULT, not %s", t.name, a.column, textOf(row[a.pos]))
		}
		a.vals = append(a.vals, &v)
	}
	return a, nil
}

// upsertRefusal says when an INSERT ... ON DUPLICATE KEY UPDATE cannot be
// given generated ids (refuse), or only in rows that all get one (mixed).
// A generated id is new: a row with one conflicts with no stored row and no
// other row of the statement on a unique key that contains the column, so
// when every unique key of the table does, such rows are only inserted,
// exactly as by a plain INSERT, on the shard their values name (GORM saves
// associations this way). A unique key without the column could conflict
// with a row on another shard, where MariaDB would update that row. Rows
// with explicit ids may update: MariaDB's insert id and LAST_INSERT_ID()
// after a mix of updated and generated rows are not reproduced.
func upsertRefusal(def *catalog.Table, column string) (refuse, why, mixed string) {
	const what = "INSERT ... ON DUPLICATE KEY UPDATE"
	for _, ix := range def.Unique {
		if !slices.ContainsFunc(ix.Columns, func(c string) bool { return strings.EqualFold(c, column) }) {
			return what, fmt.Sprintf(" (its unique key %s does not contain %s: a new row could conflict with a row on another shard, which MariaDB would update)", ix.Name, column), ""
		}
	}
	return "", "", what
}

// errAutoincRange is HA_ERR_AUTOINC_ERANGE, which MariaDB answers when
// the AUTO_INCREMENT counter has passed its column's largest value.
const errAutoincRange = 167

// AutoIncRangeError is an INSERT whose generated id passed its
// AUTO_INCREMENT column's largest value. First is the first id it gave an
// earlier row (0: none): MariaDB makes it LAST_INSERT_ID(), the statement
// failing or not, as the first id of a row it inserted.
type AutoIncRangeError struct {
	*mysql.MyError
	First uint64
}

func (e *AutoIncRangeError) Unwrap() error { return e.MyError }

// autoIncIDs are the ids of one execution's rows.
type autoIncIDs struct {
	ids       []uint64 // each row's id (0: a non-positive explicit value)
	generated []bool
	first     uint64 // the first generated id; 0 if none
	last      uint64 // the last row's id: the OK packet's when none is generated
}

// bind gives the rows their ids, in VALUES order, as InnoDB gives them
// (innodb_autoinc_lock_mode 1, MariaDB's default), so that the sequence
// ends where MariaDB's counter would. The first row that needs an id
// reserves as many ids as the statement has rows (InnoDB's estimate),
// from above the explicit ids before it; the following rows take the next
// ids of that interval, the statement's explicit ids counting down what is
// reserved. An explicit id at or above the next id moves it past; once it
// is past the interval, the next row that needs one reserves again, as
// many as rows are left. So (100, NULL, 50, NULL) gives 101 and 102 and
// leaves the next id at 105, as MariaDB.
func (a *autoIncPlan) bind(params []Param, rows int, opts BindOptions) (*autoIncIDs, error) {
	out := &autoIncIDs{ids: make([]uint64, rows), generated: make([]bool, rows)}
	explicit := false
	for i := range rows {
		id, gen, err := a.rowValue(i, params, opts)
		if err != nil {
			return nil, err
		}
		out.ids[i], out.generated[i] = id, gen
		explicit = explicit || !gen
	}
	if slices.Contains(out.generated, true) {
		if a.refuse != "" {
			return nil, errUnsupported("%s into sharded table %s with a generated AUTO_INCREMENT id is not supported%s: give %s explicitly", a.refuse, a.table, a.why, a.column)
		}
		if a.refuseMixed != "" && explicit {
			return nil, errUnsupported("%s into sharded table %s with generated AUTO_INCREMENT ids next to explicit ones is not supported: give %s in every row or in none", a.refuseMixed, a.table, a.column)
		}
		if opts.AutoInc == nil {
			return nil, errUnsupported("sharded table %s: AUTO_INCREMENT ids are not available in this proxy", a.table)
		}
	}
	// seen: the highest id of the rows so far; told: the highest the
	// sequence has given or been told of. next is the id the next row
	// that needs one gets unless it is end (the interval's end, exclusive)
	// or more; left counts the rows from the first reservation on, down
	// (InnoDB's n_autoinc_rows), 0 before it.
	var seen, told, next, end uint64
	left := 0
	for i := range rows {
		if !out.generated[i] {
			if id := out.ids[i]; next > 0 && id >= next {
				next = id + 1 // past the explicit id, as MariaDB's handler
			}
			seen = max(seen, out.ids[i])
		} else {
			if next == 0 || next >= end {
				if left == 0 {
					left = rows
				}
				first, err := opts.AutoInc(a.schema, a.table, left, seen)
				if err != nil {
					return nil, err
				}
				next, end = first, first+uint64(left)
				told = end - 1
			}
			if a.max > 0 && next > a.max {
				// InnoDB's counter stops at the type's largest value, and
				// the statement fails (HA_ERR_AUTOINC_ERANGE).
				return nil, &AutoIncRangeError{First: out.first, MyError: &mysql.MyError{Code: errAutoincRange, State: "22003",
					Message: fmt.Sprintf("Out of range value for column '%s' at row %d", a.column, i+1)}}
			}
			out.ids[i] = next
			if out.first == 0 {
				out.first = next
			}
			seen = max(seen, next)
			next++
		}
		if left > 0 {
			left--
		}
	}
	if seen > told && opts.AutoInc != nil {
		// An explicit id above the reserved ones (or explicit ids only):
		// later generated ids must go above it, as MariaDB's counter.
		if _, err := opts.AutoInc(a.schema, a.table, 0, seen); err != nil {
			return nil, err
		}
	}
	if rows > 0 {
		out.last = out.ids[rows-1]
	}
	return out, nil
}

// rowValue reads row i's value of the column.
func (a *autoIncPlan) rowValue(i int, params []Param, opts BindOptions) (uint64, bool, error) {
	if a.pos < 0 || a.vals[i] == nil {
		return 0, true, nil
	}
	id, gen, ok := a.vals[i].value(params).AutoIncID(opts.NoAutoValueOnZero)
	if !ok {
		return 0, false, errUnsupported("INSERT into sharded table %s: the AUTO_INCREMENT column %s is given %s; xaproxy takes integers, NULL or DEFAULT there", a.table, a.column, a.vals[i].value(params))
	}
	return id, gen, nil
}

// keyValue is row i's id as a shard key value.
func (ids *autoIncIDs) keyValue(i int) sharding.Value { return sharding.UintValue(ids.ids[i]) }

// rewrites tells whether the statement must run with the ids written in.
func (ids *autoIncIDs) rewrites() bool { return ids != nil && ids.first != 0 }

// insertID is the insert id of the statement's OK packet, as MariaDB's:
// the first generated id, else the last row's explicit one.
func (ids *autoIncIDs) insertID() uint64 {
	if ids == nil {
		return 0
	}
	if ids.first != 0 {
		return ids.first
	}
	return ids.last
}

// PartWrote tells from a shard's OK packet whether its part of an INSERT
// with explicit ids only wrote a row. The shard names the last row's id
// exactly when it did (MariaDB's rule, for each part as for the whole
// statement), unless that id is 0 (NO_AUTO_VALUE_ON_ZERO): then its
// affected rows tell, but for an upsert, where they may count rows found
// and left unchanged.
func (e *Exec) PartWrote(insertID, affected uint64) bool {
	return insertID != 0 || affected > 0 && !e.upsert
}

// movesID tells whether assignment a may write into the AUTO_INCREMENT
// column col a value no row had: not id = id, id = VALUES(id) (the row the
// proxy inserts, whose id it gave or saw) or id = LAST_INSERT_ID(id), the
// upsert idiom that reads back an existing row's id.
func movesID(a *ast.Assignment, col string) bool {
	if !strings.EqualFold(a.Column.Name.O, col) {
		return false
	}
	e := a.Expr
	switch x := e.(type) {
	case *ast.ValuesExpr:
		e = x.Column
	case *ast.FuncCallExpr:
		if len(x.Args) == 1 && x.FnName.L == ast.LastInsertId {
			e = x.Args[0]
		}
	}
	if c, ok := e.(*ast.ColumnNameExpr); ok && strings.EqualFold(c.Name.Name.O, col) {
		return false
	}
	return true
}

// AutoIncTable names a sharded table with an AUTO_INCREMENT sequence.
type AutoIncTable struct{ Schema, Table string }

// autoIncSyncs lists the sharded tables of st whose shards' own
// AUTO_INCREMENT counters the statement may move where the proxy does not
// give or see the ids: an UPDATE (or ON DUPLICATE KEY UPDATE) that sets
// the column moves InnoDB's counter past the new value, the table option
// AUTO_INCREMENT= sets it. The value written may be any expression, so the
// executor reads the shards' counters after the statement instead
// (proxy/autoinc.go). Assignments match by column name alone: a table
// synced for nothing costs a read, never a wrong id.
func (r *Router) autoIncSyncs(st *Statement, user, db string) []AutoIncTable {
	var set []*ast.Assignment
	option := false
	switch n := st.Node.(type) {
	case *ast.UpdateStmt:
		set = n.List
	case *ast.InsertStmt:
		set = n.OnDuplicate
	case *ast.CreateTableStmt:
		option = hasAutoIncOption(n.Options)
	case *ast.AlterTableStmt:
		for _, spec := range n.Specs {
			option = option || spec.Tp == ast.AlterTableOption && hasAutoIncOption(spec.Options)
		}
	}
	if len(set) == 0 && !option {
		return nil
	}
	tables, err := r.resolveAll(st, user, db)
	if err != nil {
		return nil // planning answered it
	}
	var out []AutoIncTable
	for _, t := range tables {
		if t.kind != sharding.Sharded || slices.Contains(out, AutoIncTable{t.schema, t.name}) {
			continue
		}
		if !option {
			def := r.Catalog().Table(t.schema, t.name)
			if def == nil || def.AutoIncrement() < 0 {
				continue
			}
			col := def.Columns[def.AutoIncrement()].Name
			if !slices.ContainsFunc(set, func(a *ast.Assignment) bool { return movesID(a, col) }) {
				continue
			}
		}
		out = append(out, AutoIncTable{t.schema, t.name})
	}
	return out
}

func hasAutoIncOption(opts []*ast.TableOption) bool {
	return slices.ContainsFunc(opts, func(o *ast.TableOption) bool { return o.Tp == ast.TableOptionAutoIncrement })
}
