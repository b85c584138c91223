package router

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/engine"
)

// selectMerge is a SELECT over several shards: the per-shard query and how
// the proxy merges the answers.
type selectMerge struct {
	// once: the constants of a statement whose every warning is one
	// converted once (oncewarnings.go); nil for others.
	once  *onceConsts
	sel   *ast.SelectStmt
	head  string // SELECT ... FROM ...
	tail  string // GROUP BY / ORDER BY
	lock  string
	count limitSrc
	off   limitSrc
	// perShardLimit: shards return at most offset+count rows each.
	perShardLimit bool
	merge         Merge
	// where is " WHERE ..." (the zero template without WHERE), made by
	// compile, with the IN list that may be split by shard as its slot.
	where inListText
	// keyOrdered: see newSelectMerge.
	keyOrdered bool
	// realCols: see newSelectMerge.
	realCols map[string]bool
	// colType is what the catalog tells of the FROM tables' columns
	// (ENUM and SET, which MariaDB orders by position; names GROUP BY
	// takes for columns before aliases); nil when unknown.
	colType fromColumns
	// qual prints a column in a message (aggprint.go); nil when unknown.
	qual columnQualifier
}

// Merge says how rows from several shards become the answer.
type Merge struct {
	// GroupsOnShard: the shards computed whole groups (a GROUP BY on the
	// shard key) and their rows pass through.
	GroupsOnShard bool
	// Computed lists the visible columns of passed-through rows that the
	// shards compute (not a column, nor a ROUND or TRUNCATE, whose text is
	// exact); AllComputed: the select list has a wildcard, and any column
	// without a table may be one. CheckBinary reads them.
	Computed    []int
	AllComputed bool
	// ComputedFrom names the columns of views and derived tables that the
	// shards compute, as "table.column" in lower case, matched against a
	// column definition's org_table and org_name (computed.go).
	ComputedFrom map[string]bool
	// AllLossy: any DOUBLE or FLOAT of fixed decimals may be computed
	// (BinaryCheckOf).
	AllLossy bool
	// Hidden trailing columns of each shard row (sort keys) that the client
	// does not see; only for merges without aggregation.
	Hidden int
	// OrderBy: for plain merges, indexes among the hidden columns (among
	// the visible ones with SortVisible: a UNION's ORDER BY names its
	// result columns); the shards return rows sorted by them.
	OrderBy     []OrderKey
	SortVisible bool
	Distinct    bool
	Offset      int64
	Count       int64 // < 0: no limit
	Agg         *AggMerge
	// CalcFoundRows: a plain merge of a SELECT SQL_CALC_FOUND_ROWS, which
	// each shard runs with it: FOUND_ROWS() is the sum of the shards'.
	CalcFoundRows bool
	// ConnText names the first key the merge compares as text of the
	// session's collation_connection (a literal, CAST(x AS CHAR), HEX:
	// collation.go's connText); "" for none. The merge orders it right
	// only where that collation is one it compares (ConnTextError), which
	// the proxy checks for each session at run time: the plan is shared.
	ConnText string
	// Warnings are raised while the statement's names are resolved, as
	// MariaDB raises them before it reads a row: listed before the
	// shards' (the shards run a statement that raises none).
	Warnings []engine.Condition
	// OnceWarnings: every warning the shards raise is a constant the
	// statement converts once (oncewarnings.go); one server lists each
	// once, where the shards each list it.
	OnceWarnings bool
}

// OrderKey is one sort key.
type OrderKey struct {
	Col  int
	Desc bool
	Scan bool // a scan key (planPlain, DISTINCT's first row): engine.SortKey.Loose
}

// AggMerge merges partial aggregates computed by each shard.
type AggMerge struct {
	Groups int // leading group-by columns of each shard row
	// GroupOrder sorts the groups (over the leading group columns), as
	// MariaDB does, before any ORDER BY.
	GroupOrder []OrderKey
	Aggs       []engine.Agg // partial aggregates to combine
	Having     engine.Expr  // over the aggregate output; nil if none
	Outputs    []engine.Expr
	Names      []string
	Visible    int        // leading outputs the client sees; the rest are sort keys
	Sort       []OrderKey // over Outputs
	// Distinct: a SELECT DISTINCT merged as groups (distinct.go), whose
	// shards send every group whatever the session's sql_select_limit.
	Distinct bool
	partKey  bool // group columns flagged as MariaDB's DISTINCT ... LIMIT flags them
	// tempSorted: one MariaDB sorts the groups, which it made without
	// a temporary table (a COUNT(DISTINCT) groups by sorting), through
	// one, and describes the aggregates from it (tempfields.go).
	tempSorted bool
	// sortGrouped: one MariaDB groups by sorting (a COUNT(DISTINCT)),
	// without a temporary table, and describes the aggregates as items.
	sortGrouped bool
	// groupExprs are the outputs computed from the groups alone (g + 0
	// beside GROUP BY g), which one MariaDB grouping through a temporary
	// table stores there and describes from it (tempfields.go).
	groupExprs []int
	// NonGrouped, when set, is the statement's error under
	// ONLY_FULL_GROUP_BY: it carries fields neither grouped nor aggregated
	// (carried.go), which that mode refuses.
	NonGrouped *NonGroupedError
	// InputOrder: the shards sort their groups so; the merge reads them in
	// that order (their groups then come out in it: Sort can be empty).
	InputOrder []OrderKey
}

// Pipeline builds the operators that merge the shards' rows; the warnings
// of what they compute go to w.
func (m *Merge) Pipeline(inputs []engine.Rows, w *engine.Warnings) (engine.Rows, error) {
	if m.Agg != nil {
		return m.aggPipeline(inputs, w)
	}
	ncols := len(inputs[0].Columns())
	visible := ncols - m.Hidden
	var rows engine.Rows
	if len(m.OrderBy) > 0 {
		keys := make([]engine.SortKey, len(m.OrderBy))
		base := visible
		if m.SortVisible {
			base = 0
		}
		for i, k := range m.OrderBy {
			keys[i] = engine.SortKey{Col: base + k.Col, Desc: k.Desc, Loose: k.Scan}
		}
		rows = engine.MergeSort(inputs, keys)
	} else {
		rows = engine.Concat(inputs)
	}
	if m.Distinct {
		rows = engine.Distinct(rows, seq(visible))
	}
	if m.Offset > 0 || m.Count >= 0 {
		rows = engine.Limit(rows, m.Offset, m.Count)
	}
	if m.Hidden > 0 {
		rows = engine.Project(rows, seq(visible))
	}
	return rows, nil
}

func (m *Merge) aggPipeline(inputs []engine.Rows, w *engine.Warnings) (engine.Rows, error) {
	a := m.Agg
	if a.partKey {
		// A copy: the caller reads its inputs' warnings afterwards.
		flagged := make([]engine.Rows, len(inputs))
		for i, in := range inputs {
			flagged[i] = partKeyGroups(in, a.Groups)
		}
		inputs = flagged
	}
	in := engine.Concat(inputs)
	if len(a.InputOrder) > 0 {
		in = engine.MergeSort(inputs, sortKeys(a.InputOrder))
	}
	rows := engine.Aggregate(in, seq(a.Groups), a.Aggs)
	switch {
	case engine.BuildError(rows) != nil:
		// The failure of the merge, which the operators below report.
	case a.tempSorted:
		rows = tempTableFields(rows, a.Groups, a.Aggs)
	case a.sortGrouped:
		rows = itemFields(rows, a.Groups, a.Aggs)
	}
	if a.Having != nil {
		rows = engine.Filter(rows, a.Having, w)
		if err := engine.BuildError(rows); err != nil {
			rows.Close()
			return nil, err
		}
	}
	if len(a.GroupOrder) > 0 {
		rows = engine.Sort(rows, sortKeys(a.GroupOrder))
	}
	when, sent := m.warnWhen()
	groupedInTemp := groupedThroughTemp(in.Columns(), a.Groups)
	rows = engine.Compute(rows, a.Outputs, a.Names, w, when)
	if err := engine.BuildError(rows); err != nil {
		rows.Close()
		return nil, err
	}
	rows = hiddenOrgNames(rows)
	if groupedInTemp && !a.sortGrouped && !a.tempSorted {
		rows = tempExprFields(rows, a.groupExprs)
	}
	if m.Distinct {
		rows = engine.Distinct(rows, seq(a.Visible))
	}
	if len(a.Sort) > 0 {
		rows = engine.Sort(rows, sortKeys(a.Sort))
	}
	if m.Offset > 0 || m.Count >= 0 {
		rows = engine.Limit(rows, m.Offset, m.Count)
	}
	if sent {
		rows = engine.SentWarnings(rows, w)
	}
	if a.Visible < len(a.Outputs) {
		rows = engine.Project(rows, seq(a.Visible))
	}
	return rows, nil
}

// warnWhen says when the warnings of each output are reported, as MariaDB
// evaluates it: a sort key and a DISTINCT column for every group, the other
// visible columns for the rows sent (engine.WarnWhen). sent: some are
// reported when sent. Nil when no output divides (the only warnings).
func (m *Merge) warnWhen() (when []engine.WarnWhen, sent bool) {
	a := m.Agg
	if !slices.ContainsFunc(a.Outputs, engine.Divides) {
		return nil, false
	}
	when = make([]engine.WarnWhen, len(a.Outputs))
	for i := range when {
		if i >= a.Visible || m.Distinct || slices.ContainsFunc(a.Sort, func(k OrderKey) bool { return k.Col == i }) {
			when[i] = engine.WarnNow
		}
		if i < a.Visible && !m.Distinct {
			when[i] |= engine.WarnSent
			sent = true
		}
	}
	return when, sent
}

func sortKeys(order []OrderKey) []engine.SortKey {
	keys := make([]engine.SortKey, len(order))
	for i, k := range order {
		keys[i] = engine.SortKey{Col: k.Col, Desc: k.Desc, Loose: k.Scan}
	}
	return keys
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// newSelectMerge plans the per-shard query and the merge of a SELECT;
// scanKey (see scanOrder) orders the rows of a merge without ORDER BY;
// repKey (see groupRepKey) picks the row whose values stand for a merged
// group; keyOrdered says that one MariaDB reads the one table in its
// primary key's order whatever the plan (onlyPrimaryIndex); groupsOnShard says that each group of its GROUP BY lives on one
// shard; realCols are the FLOAT and DOUBLE columns of its one table
// (lower-cased), whose AVG takes its display length from the shards' own;
// colType tells the FROM tables' columns (fromColumns).
func newSelectMerge(sel *ast.SelectStmt, scanKey []string, repKey string, keyOrdered, groupsOnShard bool, realCols map[string]bool, colType fromColumns, qual columnQualifier) (*selectMerge, error) {
	if sel.Fields == nil {
		return nil, errUnsupported("SELECT without a select list")
	}
	if HasParams(sel.Fields) || (sel.GroupBy != nil && HasParams(sel.GroupBy)) || (sel.Having != nil && HasParams(sel.Having)) || (sel.OrderBy != nil && HasParams(sel.OrderBy)) {
		return nil, errUnsupported("parameters outside WHERE and LIMIT are not supported in a query over several shards")
	}
	m := &selectMerge{sel: sel, merge: Merge{Count: -1}, keyOrdered: keyOrdered, realCols: realCols, colType: colType, qual: qual}
	var err error
	if sel.Limit != nil {
		if m.count, err = limitValue(sel.Limit.Count); err != nil {
			return nil, err
		}
		if m.off, err = limitValue(sel.Limit.Offset); err != nil {
			return nil, err
		}
	} else {
		m.count, m.off = limitSrc{n: -1, param: -1}, limitSrc{n: 0, param: -1}
	}
	if sel.Limit != nil && sel.Limit.Offset == nil {
		m.off = limitSrc{n: 0, param: -1}
	}
	m.lock = lockClause(sel.LockInfo)
	from := ""
	if sel.From != nil {
		t, err := restore(sel.From.TableRefs)
		if err != nil {
			return nil, err
		}
		from = " FROM " + t
	}
	if err := m.distinctBitOrder(); err != nil {
		return nil, err
	}
	switch {
	case isAggregate(sel) && !(groupsOnShard && sel.GroupBy != nil && !sel.GroupBy.Rollup):
		err = m.planAggregate(from, repKey)
	case distinctAsGroups(sel, repKey):
		err = m.planDistinct(from, repKey)
	default:
		if err = m.shardGroupsUnordered(repKey); err == nil {
			err = m.planPlain(from, scanKey)
		}
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// planPlain: rows pass through; sorted streams are merged, DISTINCT and
// LIMIT applied after the merge. Without ORDER BY the streams are merged
// by scanKey, the columns of the table's primary key: MariaDB answers a
// scan in that order (its clustered index, and a secondary index's entries
// with one value), and so does each shard, so the merge gives one
// server's order and one server's first rows for a LIMIT. The shards'
// queries get no ORDER BY for it: where a shard reads another index the
// order is as unspecified as MariaDB's.
//
// A GROUP BY whose groups each live on one shard (groupsOnShard) is
// planned here too: each shard computes its groups whole, with any
// aggregate and its HAVING, and the groups pass through as rows, merged
// by ORDER BY or else by the GROUP BY list, the order MariaDB gives them.
func (m *selectMerge) planPlain(from string, scanKey []string) error {
	sel := m.sel
	if sel.Having != nil && sel.GroupBy == nil {
		return errUnsupported("HAVING without GROUP BY or aggregates over several shards is not supported")
	}
	fields, hasWildcard, err := fieldList(sel.Fields.Fields)
	if err != nil {
		return err
	}
	var hidden, order []string
	// ORDER BY NULL orders nothing: one MariaDB answers in its scan's
	// order, as without an ORDER BY (the shards then get none).
	unordered := sel.OrderBy == nil || isOrderByNull(sel) && sel.GroupBy == nil && !sel.Distinct
	if !unordered {
		for i, item := range sel.OrderBy.Items {
			e, err := resolveOrderItem(item.Expr, sel.Fields.Fields, hasWildcard, m.wildcardColumns())
			if err != nil {
				return err
			}
			if sel.Distinct && !inFields(e, sel.Fields.Fields) {
				return errUnsupported("ORDER BY %s with DISTINCT must name a selected column when the query spans shards", textOf(item.Expr))
			}
			txt, err := m.orderKey(e)
			if err != nil {
				return err
			}
			name := hiddenOrderPrefix + strconv.Itoa(i)
			hidden = append(hidden, txt+" AS "+quoteName(name))
			dir := ""
			if item.Desc {
				dir = " DESC"
			}
			order = append(order, quoteName(name)+dir)
			m.merge.OrderBy = append(m.merge.OrderBy, OrderKey{Col: i, Desc: item.Desc})
		}
	}
	if unordered && !sel.Distinct {
		hidden = m.scanKeys(scanKey, hidden)
	}
	grouping := ""
	if sel.GroupBy != nil {
		m.merge.GroupsOnShard = true
		var err error
		if grouping, hidden, order, err = m.groupsInOrder(hidden, order); err != nil {
			return err
		}
	}
	m.merge.Hidden = len(hidden)
	m.merge.Computed, m.merge.AllComputed = computedFields(sel.Fields.Fields)
	m.merge.Distinct = sel.Distinct
	distinct := ""
	if sel.Distinct {
		distinct = "DISTINCT "
	}
	if sel.SelectStmtOpts != nil && sel.SelectStmtOpts.CalcFoundRows && !sel.Distinct {
		// Each shard counts its matching rows whatever the LIMIT; they
		// add up to the statement's (not with DISTINCT: rows on several
		// shards would count more than once).
		m.merge.CalcFoundRows = true
		distinct = "SQL_CALC_FOUND_ROWS "
	}
	m.head = "SELECT " + distinct + strings.Join(append(fields, hidden...), ", ") + from
	m.tail = grouping
	if len(order) > 0 {
		m.tail += " ORDER BY " + strings.Join(order, ", ")
	}
	m.perShardLimit = true
	return nil
}

// scanKeys orders the rows of a query without ORDER BY by the table's
// primary key (scanKey), one server's scan order. An ORDER BY's ties are
// left as the shards give them: one server meets them in the order of the
// index it reads (its columns after the ORDER BY's, then the key), or as a
// filesort happens to, and sorting the shards by the key too would keep
// them from reading a unique or composite index in order.
func (m *selectMerge) scanKeys(scanKey, hidden []string) []string {
	for _, col := range scanKey {
		name := hiddenOrderPrefix + strconv.Itoa(len(hidden))
		hidden = append(hidden, col+" AS "+quoteName(name))
		m.merge.OrderBy = append(m.merge.OrderBy, OrderKey{Col: len(hidden) - 1, Scan: true})
	}
	return hidden
}

// groupsInOrder is the GROUP BY (and HAVING) of a statement whose groups
// each live on one shard, and orders the shards' groups by the GROUP BY
// list as MariaDB does (DESC as written; after the ORDER BY's keys, if
// any): each item as a hidden column the merge sorts by, and the same
// list in the shards' ORDER BY, which leaves their plan the GROUP BY's
// own. A GROUP BY name is the table's column, as MariaDB reads it.
func (m *selectMerge) groupsInOrder(hidden, order []string) (string, []string, []string, error) {
	sel := m.sel
	grouping, err := restore(sel.GroupBy)
	if err != nil {
		return "", nil, nil, err
	}
	grouping = " " + grouping
	if sel.Having != nil {
		h, err := restore(sel.Having)
		if err != nil {
			return "", nil, nil, err
		}
		grouping += " " + h
	}
	// After an ORDER BY's keys the groups' own order breaks its ties, as
	// MariaDB sorts the groups first (planAggregate's GroupOrder).
	for _, item := range sel.GroupBy.Items {
		e := item.Expr
		if _, isPos := e.(*ast.PositionExpr); isPos {
			// groupsOnShard saw no wildcard beside a position.
			if e, err = resolveByItem(e, sel.Fields.Fields, false); err != nil {
				return "", nil, nil, err
			}
		}
		txt, err := restore(e)
		if err != nil {
			return "", nil, nil, err
		}
		key, err := m.orderKey(e)
		if err != nil {
			return "", nil, nil, err
		}
		col := len(hidden)
		hidden = append(hidden, key+" AS "+quoteName(hiddenOrderPrefix+strconv.Itoa(col)))
		dir := ""
		if item.Desc {
			dir = " DESC"
		}
		order = append(order, txt+dir)
		m.merge.OrderBy = append(m.merge.OrderBy, OrderKey{Col: col, Desc: item.Desc})
	}
	return grouping, hidden, order, nil
}

// planAggregate: shards compute partial aggregates per group; the proxy
// combines them, then applies HAVING, the select-list expressions,
// DISTINCT, ORDER BY and LIMIT.
func (m *selectMerge) planAggregate(from, repKey string) error {
	sel := m.sel
	a := &aggBuilder{fields: sel.Fields.Fields, isEnum: m.isEnum}
	if err := concatPlaces(sel); err != nil {
		return err
	}
	if sel.GroupBy != nil {
		if sel.GroupBy.Rollup {
			return errUnsupported("GROUP BY ... WITH ROLLUP over several shards is not supported")
		}
		for _, item := range sel.GroupBy.Items {
			e, warning, err := resolveGroupItem(item.Expr, sel.Fields.Fields, m.wildcardColumns(), m.isColumn)
			if err != nil {
				return err
			}
			if warning != nil {
				m.merge.Warnings = append(m.merge.Warnings, *warning)
			}
			a.groups = append(a.groups, e)
		}
	}
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			return errUnsupported("SELECT * with aggregates over several shards is not supported: name the columns")
		}
		if err := a.collect(f.Expr); err != nil {
			return err
		}
		a.collectStrField(f.Expr)
	}
	if sel.Having != nil {
		if err := a.collect(sel.Having.Expr); err != nil {
			return err
		}
	}
	if sel.OrderBy != nil {
		for _, item := range sel.OrderBy.Items {
			e, err := resolveOrderItem(item.Expr, sel.Fields.Fields, false, m.wildcardColumns())
			if err != nil {
				return err
			}
			if err := a.collect(e); err != nil {
				return err
			}
		}
	}
	if err := m.enumGroupOrder(a); err != nil {
		return err
	}
	nonGrouped := a.carryFields(sel.Fields.Fields, repKey)
	// Per-shard select list: groups, the COUNT(DISTINCT) argument, partials.
	var cols, groupBy []string
	for i, g := range a.groups {
		txt, err := restore(g)
		if err != nil {
			return err
		}
		cols = append(cols, txt+" AS "+quoteName(hiddenGroupPrefix+strconv.Itoa(i)))
		groupBy = append(groupBy, txt)
		if exprComputed(g) {
			// A group key the shards compute comes as their text: the
			// binary protocol's check (CheckBinary) reads it.
			m.merge.Computed = append(m.merge.Computed, i)
		}
	}
	// Each shard groups by the COUNT(DISTINCT) arguments too: it returns
	// its distinct (group, x, y, ...) tuples, and the set of x values of a
	// group is the projection of those tuples, however many other
	// arguments there are, so every COUNT(DISTINCT) merges exactly; the
	// other partial aggregates add up over the finer groups.
	shardCol := len(cols)
	for i, arg := range a.distinctArgs {
		txt, err := restore(arg)
		if err != nil {
			return err
		}
		name := hiddenDistinct
		if i > 0 {
			name += strconv.Itoa(i)
		}
		cols = append(cols, txt+" AS "+quoteName(name))
		// Under ONLY_FULL_GROUP_BY MariaDB does not match an expression
		// with a string literal (IFNULL(u, 'x')) to the same in the
		// select list (1055): such a one is grouped by its alias.
		if anyNode(arg, isStringLiteral) {
			txt = quoteName(name)
		}
		groupBy = append(groupBy, txt)
		shardCol++
	}
	am := &AggMerge{Groups: len(a.groups)}
	if sel.GroupBy != nil {
		// MariaDB sorts the groups by the GROUP BY list (ASC or DESC as
		// written): without ORDER BY one server's answer is in that order
		// (checked on 10.11), and an ORDER BY's ties keep it (the sort is
		// stable); the shards' merged groups come in no such order.
		for i, item := range sel.GroupBy.Items {
			am.GroupOrder = append(am.GroupOrder, OrderKey{Col: a.orderCol(i), Desc: item.Desc})
		}
	}
	maxLenCol := -1 // @@group_concat_max_len, for the GROUP_CONCATs
	firstAgg := -1  // a shard column that is an aggregate (forceTempTable)
	for _, f := range a.aggs {
		if firstAgg < 0 && !f.Distinct && f.F != ast.AggFuncGroupConcat {
			firstAgg = len(cols)
		}
		// Named as MariaDB prints it: expressions over it name it so
		// in their errors.
		name := aggPrint(f, len(a.groups) > 0, m.qual)
		switch f.F {
		case ast.AggFuncCount:
			if f.Distinct {
				col := len(a.groups) + a.distinctIndex(f.Args[0])
				var more []int
				for _, arg := range f.Args[1:] {
					more = append(more, len(a.groups)+a.distinctIndex(arg))
				}
				am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggCountDistinct, Col: col, More: more, Name: name})
				continue
			}
			arg, err := aggArg(f)
			if err != nil {
				return err
			}
			cols = append(cols, "COUNT("+arg+")")
			am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggCount, Col: shardCol, Name: name})
			shardCol++
		case ast.AggFuncSum, ast.AggFuncMin, ast.AggFuncMax, ast.AggFuncBitOr, ast.AggFuncBitAnd, ast.AggFuncBitXor:
			arg, err := aggArg(f)
			if err != nil {
				return err
			}
			if f.F == ast.AggFuncSum {
				if err := m.checkSumArg(f); err != nil {
					return err
				}
			}
			if f.Distinct && f.F == ast.AggFuncSum {
				// Per (group, x): x as SUM types it, each distinct value
				// added once by the merge.
				cols = append(cols, "SUM(DISTINCT "+arg+")")
				am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggSum, Col: shardCol, Name: name, Distinct: true, Label: textOf(f)})
				shardCol++
				continue
			}
			fn := partialFn(f.F)
			cols = append(cols, strings.ToUpper(f.F)+"("+arg+")")
			am.Aggs = append(am.Aggs, engine.Agg{Fn: fn, Col: shardCol, Name: name, Label: textOf(f)})
			shardCol++
		case ast.AggFuncGroupConcat:
			if maxLenCol < 0 {
				maxLenCol = len(cols)
				cols = append(cols, "@@group_concat_max_len")
			}
			var g engine.Agg
			var err error
			if cols, g, err = a.concatColumns(f, name, cols, maxLenCol); err != nil {
				return err
			}
			am.Aggs = append(am.Aggs, g)
			shardCol = len(cols)
		case ast.AggFuncAvg:
			arg, err := aggArg(f)
			if err != nil {
				return err
			}
			if err := m.checkSumArg(f); err != nil {
				return err
			}
			// The shard's own AVG of a FLOAT or DOUBLE column only describes
			// the column (engine.Agg.ShapeCol). Not of anything else: AVG
			// would convert a string once more than SUM, with its warnings.
			shape := m.realColumn(f.Args[0])
			// Of a wide DECIMAL or BIT column too: the SUM's precision
			// is capped at 65, which hides the column's, whose AVG is as
			// long as it plus 4 digits (AVG of a DECIMAL(65) is 71 long).
			wide := !shape && m.isWideExact(f.Args[0])
			distinct := ""
			if f.Distinct {
				distinct = "DISTINCT "
			}
			g := engine.Agg{Fn: engine.AggAvg, Col: shardCol, Name: name, Distinct: f.Distinct, Label: textOf(f)}
			sum := "SUM(" + distinct + arg + ")"
			if shape {
				// A FLOAT(7,3)'s SUM prints 3 decimals of a double that
				// has more, which MariaDB's AVG divides: + 0e0 prints it
				// whole (the shard's AVG gives the column's decimals).
				sum += " + 0e0"
			}
			cols = append(cols, sum)
			shardCol++
			if !f.Distinct {
				cols = append(cols, "COUNT("+arg+")")
				g.CountCol = shardCol
				shardCol++
			}
			if shape || wide {
				cols = append(cols, "AVG("+distinct+arg+")")
				g.ShapeCol = shardCol
				shardCol++
			}
			am.Aggs = append(am.Aggs, g)
		}
	}
	for i, lit := range a.strResults {
		// Equal on every row: MAX keeps it, whatever the shards' groups.
		cols = append(cols, lit)
		am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggMax, Col: shardCol, Name: "__xa_l" + strconv.Itoa(i), Equal: true})
		shardCol++
	}
	for i, c := range a.carried {
		txt, err := restore(c)
		if err != nil {
			return err
		}
		cols = append(cols, txt)
		am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggAny, Col: shardCol, Name: "__xa_c" + strconv.Itoa(i)})
		if exprComputed(c) {
			m.merge.Computed = append(m.merge.Computed, shardCol)
		}
		shardCol++
	}
	if len(a.carried) > 0 {
		am.NonGrouped = nonGrouped
	}
	if repKey != "" && (sel.GroupBy != nil || len(a.carried) > 0) {
		// One MariaDB shows, for a group whose values differ in ways its
		// collation ignores ('a', 'A', 'a '), the first row it read: on a
		// scan of the table or of an index on the group columns, the one
		// with the lowest primary key. Each shard shows its own first; the
		// merge keeps the one of the lowest key over all.
		cols = append(cols, "MIN("+quoteName(repKey)+")")
		am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggMin, Col: shardCol, Name: "__xa_rep", Rep: true})
		shardCol++
	}
	if err := m.unorderedGroups(am, a.groups, repKey); err != nil {
		return err
	}
	// Each AVG's value as a DOUBLE, for expressions that compute with it
	// as one (engine.AvgCol), after everything else. Not with GROUP BY:
	// one MariaDB then keeps each group's AVG in a temporary table, as a
	// DECIMAL, which expressions read (checked on 10.11).
	a.avgReal = map[int]int{}
	for i, f := range a.aggs {
		if f.F == ast.AggFuncAvg && sel.GroupBy == nil {
			g := am.Aggs[i]
			g.Real, g.Name = true, "__xa_r"+strconv.Itoa(i)
			a.avgReal[i] = len(a.groups) + len(am.Aggs)
			am.Aggs = append(am.Aggs, g)
		}
	}
	// Everything the client sees is computed over [groups..., aggs...,
	// string results..., representative key, AVG doubles].
	a.clause = ClauseSelect
	for _, f := range sel.Fields.Fields {
		e, err := a.fieldResult(f.Expr)
		if lit, ok := fieldFloat(f); ok {
			e = lit
		}
		if err != nil {
			return err
		}
		if !hasAggregate(f.Expr) && !constantExpr(f.Expr) {
			if _, isCol := unparen(f.Expr).(*ast.ColumnNameExpr); !isCol {
				am.groupExprs = append(am.groupExprs, len(am.Outputs))
			}
		}
		am.Outputs = append(am.Outputs, e)
		am.Names = append(am.Names, fieldName(f))
	}
	am.Visible = len(am.Outputs)
	a.clause = ClauseHaving
	if sel.Having != nil {
		e, err := a.expr(sel.Having.Expr)
		if err != nil {
			return err
		}
		am.Having = e
	}
	a.clause = ClauseOrder
	if sel.OrderBy != nil {
		for _, item := range sel.OrderBy.Items {
			e, err := resolveOrderItem(item.Expr, sel.Fields.Fields, false, m.wildcardColumns())
			if err != nil {
				return err
			}
			x, err := a.sortExpr(e)
			if err != nil {
				return err
			}
			am.Sort = append(am.Sort, OrderKey{Col: len(am.Outputs), Desc: item.Desc})
			am.Outputs = append(am.Outputs, x)
			am.Names = append(am.Names, hiddenOrderPrefix+strconv.Itoa(len(am.Sort)-1))
		}
	}
	shardFields := len(a.distinctArgs) == 0 && (sel.GroupBy != nil || len(groupBy) == 0)
	if shardFields {
		// The shards group as the statement does (without a GROUP BY: not
		// at all): their column definitions follow the plan one MariaDB
		// would choose (MIN of an ENUM is a VARCHAR of 0 decimals without
		// a temporary table, a CHAR with the ENUM flag through one).
		for i := range am.Aggs {
			am.Aggs[i].ShardField = true
		}
	}
	m.merge.Agg = am
	m.merge.Distinct = sel.Distinct
	m.head = "SELECT " + strings.Join(cols, ", ") + from
	if len(groupBy) > 0 {
		m.tail = " GROUP BY " + strings.Join(groupBy, ", ")
	}
	// The shards group by the COUNT(DISTINCT) arguments too: their
	// column definitions follow another plan than one MariaDB's.
	am.tempSorted = !shardFields && sel.GroupBy != nil && !orderFollowsGroups(sel, a.groups)
	am.sortGrouped = !shardFields && !am.tempSorted
	if shardFields && sel.GroupBy != nil && firstAgg >= 0 && !orderFollowsGroups(sel, a.groups) {
		// One MariaDB sorts such groups through a temporary table, and
		// describes its columns from that table (no BINARY on COUNT(*),
		// no PRI_KEY on the key): a shard sorting its own groups by an
		// aggregate describes them so too.
		m.tail += " ORDER BY " + strconv.Itoa(firstAgg+1)
	}
	return nil
}

// compile makes the template of WHERE. conds are the plan's key
// conditions: an IN list that alone restricts the key is split by shard at
// bind (shardsFor), so its items are a slot of the template.
func (m *selectMerge) compile(conds []keyCond) {
	where := m.sel.Where
	if where == nil {
		return
	}
	var tb templateBuilder
	tb.plain(" WHERE ")
	items := tb.inListNode(where, conds)
	m.where = inListText{text: tb.done(), items: items}
}

// bind writes the per-shard queries for the chosen shards.
func (m *selectMerge) bind(shards []string, split *inSplit, params []Param) (*Exec, error) {
	count, err := m.count.value(params)
	if err != nil {
		return nil, err
	}
	off, err := m.off.value(params)
	if err != nil {
		return nil, err
	}
	merge := m.merge
	merge.Count, merge.Offset = count, off
	merge.OnceWarnings = m.once.holds(params)
	limit := ""
	if m.perShardLimit && count >= 0 {
		limit = " LIMIT " + strconv.FormatInt(min(count, math.MaxInt64-off)+off, 10)
	}
	e := &Exec{Merge: &merge, Locking: m.lock != "", Parts: make([]Part, 0, len(shards))}
	size := len(m.head) + m.where.text.size(params) + len(m.tail) + len(limit) + len(m.lock)
	for _, s := range shards {
		var b strings.Builder
		b.Grow(size)
		b.WriteString(m.head)
		if err := m.where.render(&b, s, split, params); err != nil {
			return nil, err
		}
		b.WriteString(m.tail)
		b.WriteString(limit)
		b.WriteString(m.lock)
		e.Parts = append(e.Parts, Part{Shard: s, SQL: b.String()})
	}
	return e, nil
}

// paramOrders lists the parameters of a subtree in the order Restore
// writes their markers: its holes (template.go) without slots.
func paramOrders(n ast.Node) []int {
	return slices.DeleteFunc(holesOf(n), func(h int) bool { return h < 0 })
}

// HasParams tells whether a statement has ? markers.
func HasParams(n ast.Node) bool { return len(paramOrders(n)) > 0 }

func isAggregate(sel *ast.SelectStmt) bool {
	if sel.GroupBy != nil {
		return true
	}
	return hasAggregate(sel.Fields) || sel.Having != nil && hasAggregate(sel.Having) || sel.OrderBy != nil && hasAggregate(sel.OrderBy)
}

// fieldList restores the select list with the names a direct query would
// give its columns.
func fieldList(fields []*ast.SelectField) ([]string, bool, error) {
	out := make([]string, 0, len(fields))
	wildcard := false
	for _, f := range fields {
		if f.WildCard != nil {
			wildcard = true
			txt, err := restore(f.WildCard)
			if err != nil {
				return nil, false, err
			}
			out = append(out, txt)
			continue
		}
		txt, err := restore(f.Expr)
		if err != nil {
			return nil, false, err
		}
		if _, isCol := f.Expr.(*ast.ColumnNameExpr); !isCol || f.AsName.O != "" {
			txt += " AS " + quoteName(fieldName(f))
		}
		out = append(out, txt)
	}
	return out, wildcard, nil
}

// fieldName is the column name MySQL gives a select field: its alias, or
// the expression as the client wrote it.
func fieldName(f *ast.SelectField) string {
	if f.AsName.O != "" {
		return f.AsName.O
	}
	// MariaDB's parser drops parentheses and unary plus: (k) and +k are
	// the column k, named k; +1 is the literal 1 (checked on 10.11).
	e := unplus(f.Expr)
	if c, ok := e.(*ast.ColumnNameExpr); ok {
		return c.Name.Name.O
	}
	if s, ok := stringLiteral(e); ok {
		return s
	}
	if v, ok := e.(*driver.ValueExpr); ok && e != f.Expr {
		if v.Kind() == driver.KindFloat64 {
			// As written ((3e0) is 3e0), which restoring would not keep.
			return strings.TrimRight(strings.TrimLeft(f.Text(), "(+ \t\n"), ") \t\n")
		}
		if t, err := restore(v); err == nil {
			return t
		}
	}
	if t := strings.TrimSpace(f.Text()); t != "" {
		return t
	}
	return textOf(f.Expr)
}

// unplus is e without the parentheses and unary pluses around it.
func unplus(e ast.ExprNode) ast.ExprNode {
	for {
		switch x := e.(type) {
		case *ast.ParenthesesExpr:
			e = x.Expr
		case *ast.UnaryOperationExpr:
			if x.Op != opcode.Plus {
				return e
			}
			e = x.V
		default:
			return e
		}
	}
}

// stringLiteral is the value of a string literal, in parentheses or not:
// MariaDB names such a column with the value (_utf8mb4'q' is named q,
// 'a' 'b' ab), where other literals keep their text (X'41',
// DATE '2020-01-01'), without its leading blanks and with a NUL written
// \x00 (checked on 10.11; a name cannot hold a NUL). The shard cuts it to
// 255 bytes, as it does any alias.
func stringLiteral(e ast.ExprNode) (string, bool) {
	v, ok := stringValue(e)
	if !ok {
		return "", false
	}
	name := strings.TrimLeftFunc(v.GetString(), func(r rune) bool { return r <= ' ' })
	return strings.ReplaceAll(name, "\x00", `\x00`), true
}

// isStringLiteral: n is a string literal.
func isStringLiteral(n ast.Node) bool {
	v, ok := n.(*driver.ValueExpr)
	return ok && v.Kind() == driver.KindString
}

// stringValue is e, a string literal in parentheses or not.
func stringValue(e ast.ExprNode) (*driver.ValueExpr, bool) {
	v, ok := unparen(e).(*driver.ValueExpr)
	return v, ok && v.Kind() == driver.KindString
}

func textOf(e ast.Node) string {
	if t := strings.TrimSpace(e.Text()); t != "" {
		return t
	}
	if t, err := restore(e); err == nil {
		return t
	}
	return "?"
}

func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// resolveByItem turns ORDER BY / GROUP BY positions and aliases into the
// select-list expressions they name.
func resolveByItem(e ast.ExprNode, fields []*ast.SelectField, hasWildcard bool) (ast.ExprNode, error) {
	switch x := e.(type) {
	case *ast.PositionExpr:
		if x.P != nil {
			return nil, errUnsupported("ORDER BY/GROUP BY position parameters are not supported across shards")
		}
		if hasWildcard {
			return nil, errUnsupported("ORDER BY/GROUP BY position with SELECT * is not supported across shards: name the column")
		}
		if x.N < 1 || x.N > len(fields) {
			return nil, errUnsupported("ORDER BY/GROUP BY position %d is out of range", x.N)
		}
		return fields[x.N-1].Expr, nil
	case *ast.ColumnNameExpr:
		if x.Name.Table.O == "" {
			for _, f := range fields {
				if f.AsName.O != "" && strings.EqualFold(f.AsName.O, x.Name.Name.O) {
					return f.Expr, nil
				}
			}
		}
	}
	return e, nil
}

// resolveOrderItem is resolveByItem for ORDER BY, which reads an
// unqualified name as the select item it names (selectItemNamed), else as
// a FROM column. Resolving it here, not on the shards, matters over a
// join: SELECT g.k ... ORDER BY k would be ambiguous in a shard's select
// list.
func resolveOrderItem(e ast.ExprNode, fields []*ast.SelectField, hasWildcard bool, cols fromColumns) (ast.ExprNode, error) {
	c, ok := e.(*ast.ColumnNameExpr)
	if !ok || c.Name.Table.O != "" {
		return resolveByItem(e, fields, hasWildcard)
	}
	found, err := selectItemNamed(c.Name.Name, fields, cols, "ORDER BY")
	if err != nil || found != nil {
		return found, err
	}
	return e, nil
}

// resolveGroupItem resolves a GROUP BY item as MariaDB's
// find_order_in_list does (checked on 10.11): an unqualified name is the
// select item it names (selectItemNamed), unless it also names a FROM
// column (isColumn) that the item is not: then the FROM column, with
// warning 1052 (SELECT n AS k ... GROUP BY k groups by k).
func resolveGroupItem(e ast.ExprNode, fields []*ast.SelectField, cols fromColumns, isColumn func(ast.ExprNode) bool) (ast.ExprNode, *engine.Condition, error) {
	c, ok := e.(*ast.ColumnNameExpr)
	if !ok || c.Name.Table.O != "" {
		r, err := resolveByItem(e, fields, false)
		return r, nil, err
	}
	found, err := selectItemNamed(c.Name.Name, fields, cols, "GROUP BY")
	switch {
	case err != nil:
		return nil, nil, err
	case found == nil:
		return e, nil, nil
	case isColumn(e) && !(isColumnExpr(found) && sameExpr(found, e)):
		return e, &engine.Condition{Level: "Warning", Code: mysql.ER_NON_UNIQ_ERROR, Message: ambiguousMessage(c.Name.Name.O, "GROUP BY")}, nil
	}
	return found, nil, nil
}

// selectItemNamed is the select item an unqualified name means in ORDER BY
// or GROUP BY (clause), as MariaDB's find_item_in_list finds it (checked
// on 10.11), nil when none:
//   - an item that is a column (g.k, (k), n AS k) is named by its alias or
//     else its column's name, and so is each column a wildcard brings (the
//     catalog's, through cols); two such of the name that are not the
//     same column are 1052 (SELECT n AS k, k ... ORDER BY k; SELECT *,
//     n AS k ... ORDER BY k);
//   - the first other item named so (n + 1 AS k) is the answer at once,
//     whatever came before it (SELECT k, n + 1 AS k ... ORDER BY k sorts
//     by n + 1).
func selectItemNamed(name ast.CIStr, fields []*ast.SelectField, cols fromColumns, clause string) (ast.ExprNode, error) {
	var found ast.ExprNode
	for _, f := range fields {
		named, n := namedColumn(f, name, cols)
		if named == nil && n == 0 && f.WildCard == nil && strings.EqualFold(fieldName(f), name.O) {
			return f.Expr, nil
		}
		if n > 1 || n == 1 && found != nil && !sameExpr(found, named) {
			return nil, mysql.NewError(mysql.ER_NON_UNIQ_ERROR, ambiguousMessage(name.O, clause))
		}
		if n == 1 {
			found = named
		}
	}
	return found, nil
}

// ambiguousMessage is MariaDB's text of 1052 ER_NON_UNIQ_ERROR.
func ambiguousMessage(name, clause string) string {
	return fmt.Sprintf("Column '%s' in %s is ambiguous", name, clause)
}

// isColumnExpr tells whether e is a column reference, parenthesised or not.
func isColumnExpr(e ast.ExprNode) bool {
	_, ok := unparen(e).(*ast.ColumnNameExpr)
	return ok
}

// namedColumn is the column of select field f that is named name, and how
// many f has: a column item named so (by its alias, or else its own
// name), or the columns of that name f's wildcard brings, as far as cols
// knows them. An item that is not a column has none.
func namedColumn(f *ast.SelectField, name ast.CIStr, cols fromColumns) (ast.ExprNode, int) {
	if f.WildCard != nil {
		if cols == nil {
			return nil, 0
		}
		col := &ast.ColumnName{Table: f.WildCard.Table, Name: name}
		_, n := cols(col)
		return &ast.ColumnNameExpr{Name: col}, n
	}
	if !isColumnExpr(f.Expr) || !strings.EqualFold(fieldName(f), name.O) {
		return nil, 0
	}
	return unparen(f.Expr), 1
}

func inFields(e ast.ExprNode, fields []*ast.SelectField) bool {
	for _, f := range fields {
		if f.WildCard != nil {
			return true
		}
		if sameExpr(f.Expr, e) {
			return true
		}
	}
	return false
}

// sameExpr compares expressions by their SQL text; column references match
// by name when one of them is unqualified.
func sameExpr(a, b ast.ExprNode) bool {
	ca, ok1 := a.(*ast.ColumnNameExpr)
	cb, ok2 := b.(*ast.ColumnNameExpr)
	if ok1 && ok2 {
		if ca.Name.Name.L != cb.Name.Name.L {
			return false
		}
		return ca.Name.Table.L == "" || cb.Name.Table.L == "" || ca.Name.Table.L == cb.Name.Table.L
	}
	ta, err1 := restore(a)
	tb, err2 := restore(b)
	return err1 == nil && err2 == nil && ta == tb
}

func lockClause(l *ast.SelectLockInfo) string {
	if l == nil {
		return ""
	}
	switch l.LockType {
	case ast.SelectLockForUpdate:
		return " FOR UPDATE"
	case ast.SelectLockForUpdateNoWait:
		return " FOR UPDATE NOWAIT"
	case ast.SelectLockForUpdateWaitN:
		return " FOR UPDATE WAIT " + strconv.FormatUint(l.WaitSec, 10)
	case ast.SelectLockForUpdateSkipLocked:
		return " FOR UPDATE SKIP LOCKED"
	case ast.SelectLockForShare:
		return " LOCK IN SHARE MODE"
	case ast.SelectLockForShareNoWait:
		return " LOCK IN SHARE MODE NOWAIT"
	case ast.SelectLockForShareSkipLocked:
		return " LOCK IN SHARE MODE SKIP LOCKED"
	}
	return ""
}

// partialFn merges an aggregate whose shards' partials are the same
// function of the same argument.
func partialFn(name string) engine.AggFn {
	switch name {
	case ast.AggFuncSum:
		return engine.AggSum
	case ast.AggFuncMin:
		return engine.AggMin
	case ast.AggFuncMax:
		return engine.AggMax
	case ast.AggFuncBitOr:
		return engine.AggBitOr
	case ast.AggFuncBitAnd:
		return engine.AggBitAnd
	}
	return engine.AggBitXor
}

// aggBuilder maps aggregate queries onto partial aggregates and turns the
// select list, HAVING and ORDER BY into expressions over the merged groups.
type aggBuilder struct {
	fields       []*ast.SelectField
	groups       []ast.ExprNode
	aggs         []*ast.AggregateFuncExpr
	distinctArgs []ast.ExprNode // arguments of COUNT(DISTINCT), each once
	// strResults are the string literals that are results of an IF or a
	// CASE, each once by its text: the shards compute them (strresult.go).
	strResults []string
	// carried are the select fields neither grouped nor aggregated that
	// the merge takes from the group's first row (carried.go).
	carried []ast.ExprNode
	// clause is where the expressions being converted stand (for
	// NonGroupedError): ClauseSelect, ClauseHaving or ClauseOrder.
	clause string
	// enumOrder maps a group that is an ENUM or SET column to its
	// MIN(col + 0) among aggs, by which its groups sort (enumorder.go);
	// isEnum tells such columns.
	enumOrder map[int]*ast.AggregateFuncExpr
	isEnum    func(ast.ExprNode) bool
	// avgReal maps an AVG among aggs to the column of its value as a
	// DOUBLE.
	avgReal map[int]int
}

// distinctIndex is the position of a COUNT(DISTINCT) argument, or -1.
func (a *aggBuilder) distinctIndex(e ast.ExprNode) int {
	for i, d := range a.distinctArgs {
		if sameExpr(d, e) {
			return i
		}
	}
	return -1
}

func aggArg(f *ast.AggregateFuncExpr) (string, error) {
	if len(f.Args) != 1 {
		return "", errUnsupported("%s with %d arguments is not supported across shards", strings.ToUpper(f.F), len(f.Args))
	}
	return restore(f.Args[0])
}

// collect registers the aggregates an expression uses.
func (a *aggBuilder) collect(e ast.ExprNode) error {
	c := &aggCollector{b: a}
	e.Accept(c)
	return c.err
}

type aggCollector struct {
	b   *aggBuilder
	err error
}

func (c *aggCollector) Enter(n ast.Node) (ast.Node, bool) {
	if c.err == nil {
		c.b.collectStrResults(n)
	}
	f, ok := n.(*ast.AggregateFuncExpr)
	if !ok || c.err != nil {
		return n, c.err != nil
	}
	f.F = strings.ToLower(f.F)
	switch f.F {
	case ast.AggFuncCount, ast.AggFuncSum, ast.AggFuncMin, ast.AggFuncMax, ast.AggFuncAvg:
	case ast.AggFuncGroupConcat:
		if _, _, err := concatOrder(f); err != nil {
			c.err = err
			return n, true
		}
		// Each shard groups by its arguments too (planAggregate).
		for _, arg := range concatArgs(f) {
			if c.b.distinctIndex(arg) < 0 {
				c.b.distinctArgs = append(c.b.distinctArgs, arg)
			}
		}
		if c.b.aggIndex(f) < 0 {
			c.b.aggs = append(c.b.aggs, f)
		}
		return n, true
	case ast.AggFuncBitOr, ast.AggFuncBitAnd, ast.AggFuncBitXor:
		if f.Distinct {
			c.err = errUnsupported("%s(DISTINCT) over several shards is not supported", strings.ToUpper(f.F))
			return n, true
		}
	default:
		c.err = errUnsupported("aggregate %s over several shards is not supported (COUNT, SUM, MIN, MAX, AVG, with DISTINCT or not, BIT_OR, BIT_AND, BIT_XOR, and GROUP_CONCAT ordered by its arguments are)", strings.ToUpper(f.F))
		return n, true
	}
	if f.Distinct {
		if len(f.Args) != 1 && f.F != ast.AggFuncCount {
			c.err = errUnsupported("%s(DISTINCT) with several arguments is not supported", strings.ToUpper(f.F))
			return n, true
		}
		if f.F == ast.AggFuncCount || f.F == ast.AggFuncSum || f.F == ast.AggFuncAvg {
			// Each shard groups by x (and COUNT's y, ...) too (see
			// planAggregate).
			for _, arg := range f.Args {
				if c.b.distinctIndex(arg) < 0 {
					c.b.distinctArgs = append(c.b.distinctArgs, arg)
				}
			}
		}
	}
	if c.b.aggIndex(f) < 0 {
		c.b.aggs = append(c.b.aggs, f)
	}
	return n, true
}

func (c *aggCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func (a *aggBuilder) aggIndex(f *ast.AggregateFuncExpr) int {
	key := aggKey(f)
	for i, g := range a.aggs {
		if aggKey(g) == key {
			return i
		}
	}
	return -1
}

func aggKey(f *ast.AggregateFuncExpr) string {
	txt, _ := restore(f)
	// MIN/MAX(DISTINCT x) equal MIN/MAX(x).
	if f.F == ast.AggFuncMin || f.F == ast.AggFuncMax {
		txt = strings.Replace(txt, "DISTINCT ", "", 1)
	}
	return txt
}

// expr converts an expression over groups and aggregates.
func (a *aggBuilder) expr(e ast.ExprNode) (engine.Expr, error) {
	for i, g := range a.groups {
		if sameExpr(g, e) {
			return engine.Col(i), nil
		}
	}
	if c, ok := a.carriedCol(e); ok {
		return c, nil
	}
	if err := a.enumInExpr(e); err != nil {
		return nil, err
	}
	switch x := e.(type) {
	case *ast.AggregateFuncExpr:
		i := a.aggIndex(x)
		if i < 0 {
			return nil, fmt.Errorf("router: aggregate %s not collected", textOf(x))
		}
		if r, ok := a.avgReal[i]; ok {
			return engine.AvgCol(len(a.groups)+i, r), nil
		}
		return engine.Col(len(a.groups) + i), nil
	case *ast.ParenthesesExpr:
		return a.expr(x.Expr)
	case *driver.ValueExpr:
		return literalExpr(x)
	case *ast.ColumnNameExpr:
		if x.Name.Table.O == "" {
			for _, f := range a.fields {
				if f.AsName.O == "" || !strings.EqualFold(f.AsName.O, x.Name.Name.O) {
					continue
				}
				if col, isCol := f.Expr.(*ast.ColumnNameExpr); isCol {
					// An alias of a plain column: it must be a group key
					// (recursing would loop on "a AS a").
					for i, g := range a.groups {
						if sameExpr(g, col) {
							return engine.Col(i), nil
						}
					}
					continue
				}
				return a.expr(f.Expr)
			}
		}
		return nil, newNonGrouped(x.Name, a.clause, len(a.groups) > 0, textOf(x))
	case *ast.BinaryOperationExpr:
		op, ok := binaryOps[x.Op]
		if !ok {
			break
		}
		l, err := a.expr(x.L)
		if err != nil {
			return nil, err
		}
		r, err := a.expr(x.R)
		if err != nil {
			return nil, err
		}
		return engine.Binary(op, l, r)
	case *ast.UnaryOperationExpr:
		switch x.Op {
		case opcode.Plus:
			return a.expr(x.V)
		case opcode.Minus, opcode.Not, opcode.Not2:
			v, err := a.expr(x.V)
			if err != nil {
				return nil, err
			}
			op := "-"
			if x.Op != opcode.Minus {
				op = "NOT"
			}
			return engine.Unary(op, v)
		}
	case *ast.CaseExpr:
		if x.Value == nil { // a searched CASE; CASE x WHEN v compares as MariaDB types all the WHEN values
			conds := make([]ast.ExprNode, len(x.WhenClauses))
			results := make([]ast.ExprNode, len(x.WhenClauses))
			for i, w := range x.WhenClauses {
				conds[i], results[i] = w.Expr, w.Result
			}
			return a.caseOf("CASE", conds, results, x.ElseClause)
		}
	case *ast.IsNullExpr:
		v, err := a.expr(x.Expr)
		if err != nil {
			return nil, err
		}
		return engine.IsNull(v, x.Not), nil
	case *ast.FuncCallExpr:
		if f, ok, err := a.funcExpr(x); ok || err != nil {
			return f, err
		}
	}
	return nil, errUnsupported("expression %s over aggregates is not supported across shards (arithmetic, comparisons, AND/OR/NOT, IS NULL, IF, a searched CASE, NULLIF, IFNULL/COALESCE with a literal, GREATEST/LEAST, ABS/FLOOR/CEIL, MOD and ROUND/TRUNCATE to a literal count of decimals are)", textOf(e))
}

var binaryOps = map[opcode.Op]string{
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.IntDiv: "DIV", opcode.Mod: "%",
	opcode.EQ: "=", opcode.NE: "!=", opcode.LT: "<", opcode.LE: "<=", opcode.GT: ">", opcode.GE: ">=", opcode.NullEQ: "<=>",
	opcode.LogicAnd: "AND", opcode.LogicOr: "OR", opcode.LogicXor: "XOR",
}

// fieldFloat is a select field that is a float literal, negated or not,
// with the text the client wrote: MariaDB's Item_float is as long as that
// text (2e0 is a DOUBLE of 3, 1.5E+3 of 6), and its parser folds a minus
// into it (- 1e1 is 4 long, -(-2e0) 3).
func fieldFloat(f *ast.SelectField) (engine.Expr, bool) {
	x, neg := f.Expr, false
	for {
		switch u := x.(type) {
		case *ast.ParenthesesExpr:
			x = u.Expr
			continue
		case *ast.UnaryOperationExpr:
			if u.Op == opcode.Minus {
				x, neg = u.V, !neg
				continue
			}
		}
		break
	}
	v, ok := x.(*driver.ValueExpr)
	if !ok || v.Kind() != driver.KindFloat64 {
		return nil, false
	}
	txt := strings.Fields(strings.TrimLeft(f.Text(), "-( \t\n"))
	if len(txt) == 0 {
		return nil, false
	}
	lit := strings.TrimRight(txt[0], ")")
	if _, err := strconv.ParseFloat(lit, 64); err != nil {
		return nil, false
	}
	if neg {
		lit = "-" + lit
	}
	return engine.Lit(lit, engine.LitFloat), true
}

func literalExpr(v *driver.ValueExpr) (engine.Expr, error) {
	switch x := v.GetValue().(type) {
	case nil:
		return engine.Lit("", engine.LitNull), nil
	case int64:
		return engine.Lit(strconv.FormatInt(x, 10), engine.LitInt), nil
	case uint64:
		return engine.Lit(strconv.FormatUint(x, 10), engine.LitInt), nil
	case *driver.MyDecimal:
		return engine.Lit(x.String(), engine.LitDecimal), nil
	case float64:
		// 1e300, not 1e+300: as MariaDB prints the literal in a message.
		return engine.Lit(strings.Replace(strconv.FormatFloat(x, 'g', -1, 64), "e+", "e", 1), engine.LitFloat), nil
	case string:
		return engine.Lit(x, engine.LitString), nil
	case []byte:
		return engine.Lit(string(x), engine.LitString), nil
	}
	return nil, errUnsupported("literal %s in an expression over aggregates is not supported across shards", textOf(v))
}

// UsesDivision tells whether the proxy itself divides to merge (AVG, or
// "/" in an expression over aggregates): the scale of its quotients is
// that of the default div_precision_increment (engine/decimal.go).
func (m *Merge) UsesDivision() bool {
	if m == nil || m.Agg == nil {
		return false
	}
	for _, g := range m.Agg.Aggs {
		if g.Fn == engine.AggAvg {
			return true
		}
	}
	return m.Computes("/")
}

// OneRowPerShard tells whether each shard's query for an aggregate merge
// answers exactly one row: no GROUP BY, and no COUNT, SUM or AVG
// (DISTINCT), whose arguments the shards group by. A session's
// sql_select_limit of 1 or more cannot cut such an answer.
func (m *Merge) OneRowPerShard() bool {
	if m == nil || m.Agg == nil || m.Agg.Groups > 0 {
		return false
	}
	for _, g := range m.Agg.Aggs {
		if g.Fn == engine.AggCountDistinct || g.Distinct {
			return false
		}
	}
	return true
}

// Computes tells whether the proxy evaluates an expression with op over
// the aggregates to merge (in the select list or HAVING). The expressions
// are read as SQL: an op inside a string literal counts too, which only
// refuses more than needed.
func (m *Merge) Computes(op string) bool {
	if m == nil || m.Agg == nil {
		return false
	}
	for _, e := range append([]engine.Expr{m.Agg.Having}, m.Agg.Outputs...) {
		if e != nil && strings.Contains(e.String(), op) {
			return true
		}
	}
	return false
}

// realColumn tells whether e is arithmetic over FLOAT or DOUBLE columns of
// the statement's one table (newSelectMerge's realCols) and numbers:
// nothing in it converts a string, whose warnings a second evaluation
// would repeat.
func (m *selectMerge) realColumn(e ast.ExprNode) bool {
	v := &realArith{cols: m.realCols, ok: true}
	e.Accept(v)
	return v.ok && v.cols != nil && v.sawCol
}

type realArith struct {
	cols       map[string]bool
	ok, sawCol bool
}

func (v *realArith) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		v.sawCol = true
		v.ok = v.ok && v.cols[x.Name.Name.L]
		return n, true
	case *ast.ColumnName, *ast.BinaryOperationExpr, *ast.UnaryOperationExpr, *ast.ParenthesesExpr:
	case *driver.ValueExpr:
		switch x.Kind() {
		case driver.KindInt64, driver.KindUint64, driver.KindFloat32, driver.KindFloat64, driver.KindMysqlDecimal:
		default:
			v.ok = false
		}
	default:
		v.ok = false
	}
	return n, !v.ok
}

func (v *realArith) Leave(n ast.Node) (ast.Node, bool) { return n, true }
