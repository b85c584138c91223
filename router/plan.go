package router

import (
	"fmt"
	"slices"

	"github.com/go-mysql-org/go-mysql/mysql"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// Plan is how one statement runs. It is built once (at PREPARE for
// prepared statements) and bound to parameter values at each execution.
type Plan struct {
	Stmt *Statement
	DB   string // the session database the plan was built for

	// Exactly one of the following describes the statement.
	fixed  string     // runs unchanged on this shard
	anyOf  []string   // runs unchanged on any one of these (broadcast reads)
	keyed  *keyedPlan // sharded table: shards from the key conditions
	fanout []string   // runs unchanged on every one of these (broadcast writes, DDL)
	copies bool       // fanout writes copies of the same rows (broadcast tables)
	// sumAffected: a DDL fanout whose shards each change their part of
	// the rows (ALTER TABLE of a sharded table): the affected rows add up.
	sumAffected bool
	// checksum: the fanout is CHECKSUM TABLE of a sharded table.
	checksum bool
	// createAutoInc: the fixed shard answers SHOW CREATE TABLE of this
	// sharded table (showcreate.go).
	createAutoInc *AutoIncTable
	// lockProbe: a DDL fanout's LOCK TABLES run on every shard before it
	// (ddlprobe.go).
	lockProbe string
	// fanoutSQL is, for a shard of fanout, the text it runs instead of the
	// client's (LOCK TABLES of the tables it holds: locktables.go).
	fanoutSQL map[string]string
	insert    *insertPlan // INSERT into a sharded table: rows split per shard
	tables    *showTables // logical SHOW TABLES
	// pinned: a statement with nested SELECTs that runs on the one shard
	// its key conditions pick (nestedpin.go).
	pinned *pinnedPlan
	// derived: a query over a derived table that spans shards (derived.go).
	derived *derivedPlan
	// load: LOAD DATA split over shards or copied (loadsplit.go).
	load *LoadSplit
	// union: a UNION over sharded tables that spans shards
	// (unionscatter.go).
	union *unionPlan

	write bool
	ddl   bool
	// autoIncSync: sharded tables whose sequence follows their shards'
	// counters after the statement (autoinc.go).
	autoIncSync []AutoIncTable
	// catGen is the generation of the catalog the plan was made with.
	catGen uint64

	// lockTpl is the statement's template for BindOptions.LockReads;
	// nil when LockReads leaves it as it is. Like every template binding
	// writes per-shard text with, compile makes it at plan time: binding
	// neither reads nor changes the plan's syntax tree, so sessions bind a
	// plan at once without a lock (template.go).
	lockTpl *sqlTemplate

	// static is the bound exec of a plan whose binding depends on neither
	// parameters nor options (one shard, or any one of a broadcast table's
	// copies), made once by compile so that the hottest statements (point
	// reads relayed to one shard) bind without allocating. It is shared by
	// every execution of the plan, in every session: nothing may change it
	// (BindWith's callers only read an Exec; lockReads works on a fresh one).
	static *Exec
}

// keyedPlan routes by the shard key.
type keyedPlan struct {
	table *sharding.Table
	conds []keyCond
	merge *selectMerge // SELECT over several shards; nil for writes
	// groups, when set, are sharded tables joined without their keys
	// being equal: the statement runs on the one shard all their key
	// conditions point at, or is refused (keyedSelect).
	groups []pinnedGroup
	// singleOnly, when set, is why the statement cannot run over several
	// shards (a SELECT the merge cannot compute, an UPDATE with LIMIT): it
	// runs as written when its key conditions pick one shard, and is
	// refused with this error otherwise.
	singleOnly *mysql.MyError
	// keepsReplicated names a broadcast table an outer join keeps against
	// the sharded tables (outerjoin.go): the key conditions must pick
	// exactly one shard.
	keepsReplicated string
	// once: the constants of a write whose every warning is one
	// converted once per statement (oncewarnings.go); nil for others.
	once *onceConsts
	// returnOrder: a DELETE ... RETURNING's positions of the primary key
	// columns in its list, by which several shards' rows are merged.
	returnOrder []int
	// text, for an UPDATE or DELETE whose IN list alone restricts the
	// key, is its statement with that list as a slot (compile): each
	// shard runs it with only its own keys, so it reads and locks only
	// the rows one server would. nil for others.
	text *inListText
}

// Part is the work for one shard.
type Part struct {
	Shard string
	// SQL is the text to run; empty means the client's own statement, as it
	// came (text query, or binary execute of the prepared statement).
	SQL string
	// ValuesRows are, for an INSERT split by shard, the VALUES rows the
	// part holds, 0-based in the statement (nil otherwise): the shard's
	// "at row N" is the statement's row ValuesRows[N-1]+1.
	ValuesRows []int
}

// Exec is a plan bound to parameter values: what to run where, and how to
// combine the answers.
type Exec struct {
	// Op is how the executor runs it, set when the plan is bound.
	Op    ExecOp
	Parts []Part
	// AnyOf, when set, lists the shards that could each run the single part
	// (broadcast reads): the executor may prefer one already in the transaction.
	AnyOf []string
	Merge *Merge // several parts of a SELECT: how to merge rows
	Write bool   // several parts: sum the OK packets
	// OnceWarnings: a Write whose every warning is a constant the
	// statement converts once (oncewarnings.go); one server lists each
	// once, where the shards each list it.
	OnceWarnings bool
	DDL          bool // several parts run one after another; failures are reported per shard
	// Locking: the parts are locking reads (FOR UPDATE, LOCK IN SHARE MODE).
	Locking bool
	// OwnLocked: the single part is the client's own SELECT run as a
	// locking read, its text with LOCK IN SHARE MODE at the end
	// (ShareLocked; BindOptions.OwnText).
	OwnLocked bool
	// Copies: the parts write the same rows to every copy of a broadcast
	// table; the client is told the affected rows of one copy.
	Copies bool
	// rows, for an INSERT split by shard, renders RowsText (ip nil
	// otherwise). A value, not a pointer: only a failure reads it, and
	// every split INSERT's bind would allocate it.
	rows rowsSource
	// SumAffected: each shard of a DDL changed its own rows; one server's
	// count is their sum (an ALTER TABLE's copied rows).
	SumAffected bool
	// CreateAutoInc, when set, is the sharded table whose SHOW CREATE
	// TABLE the single part answers: its AUTO_INCREMENT= option is made
	// the shards' highest counter (WithAutoIncrement).
	CreateAutoInc *AutoIncTable
	// Checksum: the parts are CHECKSUM TABLE of a sharded table on each
	// of its shards: the answer's checksum is the sum of theirs.
	Checksum bool
	// TableAdmin: the parts are a table maintenance statement (ANALYZE,
	// OPTIMIZE TABLE), each answering a result set (Table, Op, Msg_type,
	// Msg_text) that one server answers once.
	TableAdmin bool
	// LockProbe: a DDL over several shards first runs this on each of
	// them and gives it back (UNLOCK TABLES): it fails, changing nothing,
	// where a shard's transactions hold the table past the lock wait
	// timeout ("" for none: ddlprobe.go).
	LockProbe string
	// ShowTables: merge SHOW TABLES answers into the logical list.
	ShowTables *showTables
	// Returning: the parts are a write with RETURNING whose result sets
	// make one answer.
	Returning *ReturningMerge
	// Load, when set, is LOAD DATA LOCAL INFILE that the proxy splits
	// over the parts' shards or copies to each (router/loadsplit.go).
	Load *LoadSplit
	// AutoIncSync lists the sharded tables whose AUTO_INCREMENT counters
	// the statement may move on the shards (an UPDATE of the column,
	// AUTO_INCREMENT=): the executor then raises their sequences to
	// the shards' counters.
	AutoIncSync []AutoIncTable
	// InsertID, when not 0, is the insert id the client's OK packet names:
	// the router gave the rows their AUTO_INCREMENT ids (autoinc.go).
	InsertID uint64
	// InsertIDIfWritten: InsertID is the last row's explicit id, which
	// MariaDB names only when the statement wrote a row (inserted,
	// replaced, or changed by ON DUPLICATE KEY UPDATE), else 0; each
	// shard's OK packet tells whether it wrote one (PartWrote).
	InsertIDIfWritten bool
	// upsert: an INSERT ... ON DUPLICATE KEY UPDATE, whose affected rows
	// may count rows left as they were (CLIENT_FOUND_ROWS).
	upsert bool
	// Narrowed: the parts' SQL is the client's UPDATE or DELETE with its
	// IN list on the key cut to each shard's own keys, only so that the
	// shards lock no more rows than one server; where the session cannot
	// run that text as written (CheckRenderedText), Unnarrowed runs the
	// client's own statement on the same shards with the same answer.
	Narrowed bool
}

// Unnarrowed is a Narrowed exec with each part running the client's own
// statement; e itself is left as it is.
func (e *Exec) Unnarrowed() *Exec {
	c := *e
	c.Narrowed = false
	c.Parts = make([]Part, len(e.Parts))
	for i, p := range e.Parts {
		c.Parts[i] = Part{Shard: p.Shard}
	}
	return &c
}

// ReturningMerge says how the result sets of the parts of a write with
// RETURNING become the answer.
type ReturningMerge struct {
	// Rows lists, for each part of an INSERT, the 0-based VALUES rows it
	// inserts, in the order it inserts them: each part answers one row per
	// VALUES row, and the answer has them in VALUES order, as MariaDB's.
	// nil: the parts' rows are concatenated (copies of broadcast rows,
	// of which only the first part's are the answer) or sorted by Order.
	Rows [][]int
	// Order lists, for a DELETE of a sharded table, the columns of the
	// table's primary key in the answer: the rows are sorted by them, the
	// order one server's scan returns them in (deletereturning.go).
	Order []int
}

// Single reports whether the exec is one shard running the client's own
// statement: its answer can be relayed untouched.
func (e *Exec) Single() bool {
	return len(e.Parts) == 1 && e.Parts[0].SQL == "" && e.Merge == nil && e.ShowTables == nil
}

// Plan builds the plan for a statement in a session whose current database
// is db.
func (r *Router) Plan(st *Statement, user, db string) (*Plan, error) {
	p := &Plan{Stmt: st, DB: db, catGen: r.Catalog().Gen()}
	if st.Handler != "" {
		return p, r.planHandler(p, st, user, db)
	}
	if st.Routine != nil {
		return p, r.planRoutineDef(p, st, user, db)
	}
	if st.Kind == KindUnparsed {
		// Without a parse the tables it touches are unknown: it may only go
		// to the default shard when no table is sharded or broadcast.
		if r.rules.HasDistributedTables() && !unparsedListsRoutines(st.SQL) {
			return nil, mysql.NewError(mysql.ER_PARSE_ERROR, fmt.Sprintf(
				"xaproxy cannot parse this statement, so it cannot tell which shards it touches (%v); with sharded or broadcast tables configured, statements must be understood to be routed", st.ParseErr))
		}
		p.fixed = r.DefaultShard(db)
		return p, nil
	}
	if !st.ImplicitCommit {
		if err := r.checkDiverged(st, db); err != nil {
			return nil, err
		}
	}
	if err := r.checkViews(st, user, db); err != nil {
		return nil, err
	}
	if err := r.checkRoutines(st, user, db); err != nil {
		return nil, err
	}
	var err error
	switch n := st.Node.(type) {
	case *ast.SelectStmt:
		err = r.planSelect(p, n, user, db)
	case *ast.SetOprStmt:
		err = r.planSetOpr(p, n, user, db)
	case *ast.InsertStmt:
		if err = r.planInsert(p, n, user, db); err == nil {
			err = checkReturning(p)
		}
	case *ast.UpdateStmt:
		err = r.planUpdateDelete(p, n.TableRefs, n.Where, n.Order != nil || n.Limit != nil, n.List, user, db)
	case *ast.DeleteStmt:
		if err = r.planUpdateDelete(p, n.TableRefs, n.Where, n.Order != nil || n.Limit != nil, nil, user, db); err == nil {
			err = checkReturning(p)
		}
	case *ast.ShowStmt:
		err = r.planShow(p, n, user, db)
	case *ast.ExplainStmt:
		err = r.planExplain(p, n, user, db)
	case *ast.ExplainForStmt:
		// Its id is a shard's thread to the shard, where the client names
		// one of the proxy's sessions (CONNECTION_ID(), SHOW PROCESSLIST):
		// it would show another connection's plan, maybe another
		// application's.
		err = errUnsupported("EXPLAIN FOR CONNECTION is not supported: connection ids through xaproxy are its sessions', and a session's statements run on shard connections of their own")
	case *ast.LoadDataStmt:
		err = r.planLoadData(p, n, user, db)
	case *ast.CallStmt:
		err = r.planCall(p, n, user, db)
	default:
		if st.Checksum {
			err = r.planChecksum(p, user, db)
		} else if st.ImplicitCommit {
			err = r.planDDL(p, n, user, db)
		} else {
			err = r.planAllOnOneShard(p, user, db, "")
		}
	}
	if err == nil {
		err = r.checkViewPlan(p, user, db)
	}
	if err != nil {
		return nil, err
	}
	p.autoIncSync = r.autoIncSyncs(st, user, db)
	p.compile()
	return p, nil
}

// compile makes the templates of the per-shard text the plan's binds
// write (template.go).
func (p *Plan) compile() {
	switch {
	case p.insert != nil:
		p.insert.compile()
	case p.keyed != nil:
		p.keyed.compile(p.Stmt)
	case p.derived != nil:
		p.derived.compile(p.Stmt)
	case p.union != nil:
		p.union.compile(p.Stmt.Node.(*ast.SetOprStmt))
	}
	if sel, ok := p.Stmt.Node.(*ast.SelectStmt); ok && sel.LockInfo == nil && sel.SelectIntoOpt == nil && len(p.Stmt.Tables) > 0 {
		t := templateOf(sel)
		p.lockTpl = &t
	}
	if p.fixed != "" || p.anyOf != nil || len(p.fanout) == 1 {
		// bind ignores its parameters and options for these plans.
		if e, err := p.bindFresh(nil, BindOptions{}); err == nil {
			p.static = e
		}
	}
}

// BindOptions change how a plan is bound for one execution.
type BindOptions struct {
	// LockReads turns a SELECT without a locking clause into LOCK IN SHARE
	// MODE, so that it waits for the X-locks of prepared branches instead of
	// seeing one shard before and another after a distributed commit.
	LockReads bool
	// OwnText: the text a single shard would run for the statement ends
	// cleanly (ShareLocked is ok), so a locking read on one shard runs
	// that text with the clause appended (Exec.OwnLocked) instead of the
	// router's rendering of the tree.
	OwnText bool
	// AutoInc gives the ids of sharded AUTO_INCREMENT tables (autoinc.go);
	// nil: an INSERT that needs one is refused.
	AutoInc AutoIncIDs
	// NoAutoValueOnZero: the session's sql_mode has NO_AUTO_VALUE_ON_ZERO,
	// so 0 is stored as given instead of making an id.
	NoAutoValueOnZero bool
	// Text is the character set the client writes text shard keys in.
	Text ClientText
}

// Bind picks the shards for the given parameters (nil for text queries)
// and writes the per-shard statements.
func (p *Plan) Bind(params []Param) (*Exec, error) { return p.BindWith(params, BindOptions{}) }

// BindWith is Bind with options. The Exec it returns may be shared by
// every execution of the plan (Plan.static): callers must not change it.
func (p *Plan) BindWith(params []Param, opts BindOptions) (*Exec, error) {
	if p.static != nil && !(opts.LockReads && p.lockTpl != nil) {
		// lockReads would leave it as it is: binding again would make an
		// equal exec.
		return p.static, nil
	}
	return p.bindFresh(params, opts)
}

// bindFresh binds the plan into a new Exec of its own.
func (p *Plan) bindFresh(params []Param, opts BindOptions) (*Exec, error) {
	e, err := p.bind(params, opts)
	if err == nil && opts.LockReads {
		e, err = p.lockReads(e, params, opts.OwnText)
	}
	if err != nil {
		return nil, err
	}
	// After lockReads: a single part it rewrote runs the router's SQL.
	e.Op = p.execOp(e)
	e.AutoIncSync = p.autoIncSync
	return e, nil
}

// lockReads rewrites the reads of a bound plan as locking reads.
func (p *Plan) lockReads(e *Exec, params []Param, ownText bool) (*Exec, error) {
	if _, set := p.Stmt.Node.(*ast.SetOprStmt); set && (p.union != nil || p.pinned != nil) {
		// Its SELECTs would read without LOCK IN SHARE MODE, on one shard
		// or several.
		return nil, errUnsupported("UNION, INTERSECT and EXCEPT over sharded tables are not supported with xaproxy_locking_reads: their SELECTs would read without LOCK IN SHARE MODE; read the SELECTs one by one")
	}
	if p.lockTpl == nil {
		return e, nil
	}
	const lock = lockShare
	e.Locking = true
	if !e.Single() {
		for i := range e.Parts {
			if e.Parts[i].SQL != "" && !strings.HasSuffix(e.Parts[i].SQL, lock) {
				e.Parts[i].SQL += lock
			}
		}
		return e, nil
	}
	if ownText {
		e.OwnLocked = true
		return e, nil
	}
	txt, err := p.lockTpl.bound(params)
	if err != nil {
		return nil, err
	}
	e.Parts[0].SQL = txt + lock
	return e, nil
}

func (p *Plan) bind(params []Param, opts BindOptions) (*Exec, error) {
	switch {
	case p.fixed != "":
		return &Exec{Parts: []Part{{Shard: p.fixed}}, CreateAutoInc: p.createAutoInc}, nil
	case p.anyOf != nil:
		return &Exec{Parts: []Part{{Shard: p.anyOf[0]}}, AnyOf: p.anyOf}, nil
	case len(p.fanout) == 1:
		return &Exec{Parts: []Part{{Shard: p.fanout[0], SQL: p.fanoutSQL[p.fanout[0]]}}}, nil
	case p.fanout != nil:
		e := &Exec{Write: p.write, DDL: p.ddl, Copies: p.copies, SumAffected: p.sumAffected, TableAdmin: tableAdmin(p.Stmt.Node), Checksum: p.checksum, LockProbe: p.lockProbe}
		for _, s := range p.fanout {
			e.Parts = append(e.Parts, Part{Shard: s, SQL: p.fanoutSQL[s]})
		}
		if p.Stmt.Returning != nil {
			e.Returning = &ReturningMerge{}
		}
		return e, nil
	case p.tables != nil:
		e := &Exec{ShowTables: p.tables}
		for _, s := range p.tables.shards {
			e.Parts = append(e.Parts, Part{Shard: s})
		}
		return e, nil
	case p.load != nil:
		return p.load.bind(), nil
	case p.insert != nil:
		return p.insert.bind(p, params, opts)
	case p.keyed != nil:
		return p.keyed.bind(p, params, opts.Text)
	case p.pinned != nil:
		return p.pinned.bind(params, opts.Text)
	case p.derived != nil:
		return p.derived.bind(p, params, opts.Text)
	case p.union != nil:
		return p.union.bind(params, opts.Text)
	}
	return nil, fmt.Errorf("router: empty plan for %q", p.Stmt.SQL)
}

// mayPickOne tells whether some bind of k runs on one shard: its key has
// conditions, or its table lives on one shard.
func (k *keyedPlan) mayPickOne() bool {
	return len(k.conds) > 0 || k.groups != nil || len(k.table.Shards) == 1
}

func (k *keyedPlan) bind(p *Plan, params []Param, text ClientText) (*Exec, error) {
	if k.groups != nil {
		shard, err := k.pinnedShard(params, text)
		if err != nil {
			return nil, err
		}
		return &Exec{Parts: []Part{{Shard: shard}}}, nil
	}
	shards, split := shardsFor(k.table, k.conds, params, text)
	if k.keepsReplicated != "" && len(shards) != 1 {
		return nil, errUnsupported("an outer join keeping the rows of broadcast table %s against sharded table %s must target one shard (restrict %s to one value in WHERE): every shard would add its own copy of %s's rows",
			k.keepsReplicated, k.table.Name, k.table.ShardKey, k.keepsReplicated)
	}
	if len(shards) == 0 {
		// The conditions match no row anywhere: any one shard gives the
		// right (empty) answer with the right columns.
		shards = k.table.Shards[:1]
		split = nil
	}
	if k.singleOnly != nil && len(shards) > 1 {
		return nil, mysql.NewError(k.singleOnly.Code, fmt.Sprintf("%s; restrict %s to values of one shard to run it there (it would touch shards %s)",
			k.singleOnly.Message, k.table.ShardKey, strings.Join(shards, ", ")))
	}
	if k.merge == nil {
		e := &Exec{Write: p.write, OnceWarnings: len(shards) > 1 && k.once.holds(params)}
		// A parameter without a literal (a YEAR, a NaN) runs as the
		// client bound it, in the client's own statement.
		e.Narrowed = len(shards) > 1 && split != nil && k.text != nil && !slices.ContainsFunc(params, func(p Param) bool { return p.NoLiteral() != "" })
		for _, s := range shards {
			part := Part{Shard: s}
			if e.Narrowed {
				var err error
				if part.SQL, err = k.text.bound(s, split, params); err == nil && p.Stmt.Returning != nil {
					part.SQL, err = p.Stmt.returningText(part.SQL)
				}
				if err != nil {
					return nil, err
				}
			}
			e.Parts = append(e.Parts, part)
		}
		if e.Narrowed && slices.ContainsFunc(e.Parts, func(pt Part) bool { return len(pt.SQL) > maxNarrowedText }) {
			// Large parameters written in as literals (long data, escaped)
			// could pass the shard's max_allowed_packet where the binary
			// execute of the client's own statement does not.
			e = e.Unnarrowed()
		}
		if p.Stmt.Returning != nil && len(shards) > 1 {
			e.Returning = &ReturningMerge{Order: k.returnOrder}
		}
		return e, nil
	}
	if len(shards) == 1 {
		return &Exec{Parts: []Part{{Shard: shards[0]}}}, nil
	}
	return k.merge.bind(shards, split, params)
}

// compile makes the templates of a SELECT's per-shard queries, and of an
// UPDATE's or DELETE's (st) narrowed to each shard's keys.
func (k *keyedPlan) compile(st *Statement) {
	switch {
	case k.groups != nil:
	case k.merge != nil:
		k.merge.compile(k.conds)
	case len(k.conds) == 1 && k.conds[0].in != nil && narrowable(st):
		var tb templateBuilder
		k.text = &inListText{items: tb.inListNode(st.Node, k.conds)}
		k.text.text = tb.done()
	}
}

// maxNarrowedText is the longest text a shard gets for an UPDATE or
// DELETE narrowed to its own keys; a longer one runs the client's own
// statement instead.
const maxNarrowedText = 1 << 20

// narrowable tells whether st is an UPDATE or DELETE whose shards may run
// it narrowed to their own keys. A parameter in a RETURNING list has no
// place in the narrowed text (returningText): the shards then run it whole.
func narrowable(st *Statement) bool {
	switch st.Node.(type) {
	case *ast.UpdateStmt, *ast.DeleteStmt:
		return st.Returning == nil || !st.Returning.HasParams
	}
	return false
}

// planAllOnOneShard handles statements that can only run where all their
// tables are on one shard.
func (r *Router) planAllOnOneShard(p *Plan, user, db, what string) error {
	shard, err := r.Target(p.Stmt, user, db)
	if err != nil {
		return err
	}
	p.fixed = shard
	return nil
}

// PrepareShard is a shard where the statement can be prepared to learn its
// parameters and result columns.
func (p *Plan) PrepareShard() string {
	switch {
	case p.fixed != "":
		return p.fixed
	case p.anyOf != nil:
		return p.anyOf[0]
	case p.fanout != nil:
		return p.fanout[0]
	case p.tables != nil:
		return p.tables.shards[0]
	case p.insert != nil:
		return p.insert.table.Shards[0]
	case p.load != nil:
		return p.load.Shards[0]
	case p.keyed != nil:
		return p.keyed.table.Shards[0]
	case p.pinned != nil:
		return p.pinned.prepare
	case p.derived != nil:
		return p.derived.keyed.table.Shards[0]
	case p.union != nil:
		return p.union.shards[0]
	}
	return ""
}

// NeedsParams tells whether binding depends on parameter values.
func (p *Plan) NeedsParams() bool {
	return p.insert != nil || p.keyed != nil || p.pinned != nil || p.derived != nil || p.union != nil
}

// Write tells whether the statement changes rows.
func (p *Plan) Write() bool { return p.write }
