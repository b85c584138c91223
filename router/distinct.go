package router

import (
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/engine"
)

// A SELECT DISTINCT over one table with a one-column primary key is merged
// as groups of its select list. One MariaDB sends each distinct row as the
// first row it read of it ('a' before 'A' for a case-insensitive column),
// and, without ORDER BY, in the order it first read them: on a scan of the
// table, by the lowest primary key of each. Each shard groups by the select
// list and sends the lowest key of each group (MIN(key)); the merge keeps,
// of the rows several shards sent, the one with the lowest key, and orders
// the rows by the ORDER BY, then by that key. The shards' GROUP BY reads
// as their DISTINCT would (a temporary table), whose column definitions
// they send.

// distinctLimit ends the shards' query, so that the session's
// sql_select_limit cuts the merged rows only (as a plain merge's).
const distinctLimit = " LIMIT 18446744073709551615"

// distinctAsGroups tells whether planDistinct plans sel.
func distinctAsGroups(sel *ast.SelectStmt, repKey string) bool {
	if !sel.Distinct || repKey == "" || sel.GroupBy != nil || sel.Having != nil || sel.LockInfo != nil || isAggregate(sel) ||
		(sel.SelectStmtOpts != nil && sel.SelectStmtOpts.CalcFoundRows) {
		return false
	}
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			return false
		}
	}
	if orderedBy(sel) {
		for _, item := range sel.OrderBy.Items {
			if distinctOrderColumn(item.Expr, sel.Fields.Fields) < 0 {
				return false
			}
		}
	}
	return true
}

// distinctOrderColumn is the select field an ORDER BY item names (by
// position, alias or the same expression), or -1.
func distinctOrderColumn(e ast.ExprNode, fields []*ast.SelectField) int {
	x, err := resolveByItem(e, fields, false)
	if err != nil {
		return -1
	}
	for i, f := range fields {
		if sameExpr(f.Expr, x) {
			return i
		}
	}
	return -1
}

// planDistinct plans the per-shard query and the merge of sel as groups
// (distinctAsGroups).
func (m *selectMerge) planDistinct(from, repKey string) error {
	sel := m.sel
	fields := sel.Fields.Fields
	am := &AggMerge{Groups: len(fields), Visible: len(fields), Distinct: true}
	// With a LIMIT and no ORDER BY, MariaDB reads DISTINCT through a
	// temporary table with a unique key that lets it stop early: its
	// columns come with PART_KEY_FLAG, not the GROUP_FLAG of the shards'
	// GROUP BY (checked on 10.11).
	am.partKey = sel.Limit != nil && !orderedBy(sel)
	var cols, groupBy []string
	for i, f := range fields {
		txt, err := restore(f.Expr)
		if err != nil {
			return err
		}
		alias := quoteName(hiddenGroupPrefix + strconv.Itoa(i))
		cols = append(cols, txt+" AS "+alias)
		// By the alias: a literal in the select list (SELECT DISTINCT
		// total, 5) would be a GROUP BY position.
		groupBy = append(groupBy, alias)
		am.Outputs = append(am.Outputs, engine.Col(i))
		am.Names = append(am.Names, fieldName(f))
	}
	cols = append(cols, "MIN("+quoteName(repKey)+")")
	am.Aggs = []engine.Agg{{Fn: engine.AggMin, Col: len(fields), Name: "__xa_rep", Rep: true, ShardField: true}}
	// enumKey adds a hidden MIN(col + 0), one per group, by which an
	// ENUM or SET column sorts (by position); its output column.
	enumKey := func(col int) (int, error) {
		key, err := m.orderKey(fields[col].Expr)
		if err != nil {
			return 0, err
		}
		am.Aggs = append(am.Aggs, engine.Agg{Fn: engine.AggMin, Col: len(cols), Name: "__xa_e" + strconv.Itoa(col)})
		cols = append(cols, "MIN("+key+")")
		out := len(am.Outputs)
		am.Outputs = append(am.Outputs, engine.Col(len(fields)+len(am.Aggs)-1))
		am.Names = append(am.Names, hiddenOrderPrefix+"e"+strconv.Itoa(out))
		return out, nil
	}
	enumSort := false
	ordered := make([]bool, len(fields)) // the columns the ORDER BY names
	if orderedBy(sel) {
		for _, item := range sel.OrderBy.Items {
			col := distinctOrderColumn(item.Expr, fields)
			ordered[col] = true
			if m.isEnum(fields[col].Expr) {
				var err error
				if col, err = enumKey(col); err != nil {
					return err
				}
				enumSort = true
			}
			am.Sort = append(am.Sort, OrderKey{Col: col, Desc: item.Desc})
		}
	}
	order := ""
	if !enumSort && sortsAll(am.Sort, len(fields)) {
		// The ORDER BY orders every distinct row: the shards sort their
		// groups by it, and the merge reads their sorted streams (cheaper
		// than sorting what it gathered; sysbench's distinct_ranges).
		var keys []string
		for _, k := range am.Sort {
			key := quoteName(hiddenGroupPrefix + strconv.Itoa(k.Col))
			if k.Desc {
				key += " DESC"
			}
			keys = append(keys, key)
		}
		order = " ORDER BY " + strings.Join(keys, ", ")
		am.InputOrder, am.Sort = am.Sort, nil
	} else if orderedBy(sel) {
		// Ordered by some of the columns: one MariaDB groups by all of
		// them, in order, and sorts the groups by the ORDER BY, so rows
		// that tie come in the order of the other columns, ascending, an
		// ENUM by position (checked on 10.11: DISTINCT g, d ORDER BY g
		// DESC gives d ascending within each g).
		for i, f := range fields {
			if ordered[i] {
				continue
			}
			col := i
			if m.isEnum(f.Expr) {
				var err error
				if col, err = enumKey(i); err != nil {
					return err
				}
			}
			am.Sort = append(am.Sort, OrderKey{Col: col})
		}
	} else {
		// Then by the lowest key: the order one MariaDB first read them in,
		// which no SQL promises; a scan key, as planPlain's (a primary key
		// of text in latin1 results orders as best it can, not refused).
		am.Sort = append(am.Sort, OrderKey{Col: len(am.Outputs), Scan: true})
		am.Outputs = append(am.Outputs, engine.Col(len(fields)))
		am.Names = append(am.Names, hiddenOrderPrefix+"rep")
	}
	m.merge.Agg = am
	m.merge.Computed, m.merge.AllComputed = computedFields(fields)
	m.head = "SELECT " + strings.Join(cols, ", ") + from
	m.tail = " GROUP BY " + strings.Join(groupBy, ", ") + order + distinctLimit
	return nil
}

// sortsAll tells whether keys name each of the first n columns.
func sortsAll(keys []OrderKey, n int) bool {
	seen := make([]bool, n)
	for _, k := range keys {
		if k.Col < n {
			seen[k.Col] = true
		}
	}
	for _, ok := range seen {
		if !ok {
			return false
		}
	}
	return true
}

// groupFlag is MariaDB's GROUP_FLAG (engine.groupFlag).
const groupFlag = 0x8000

// partKeyGroups is in with its first n columns' GROUP_FLAG made
// PART_KEY_FLAG.
func partKeyGroups(in engine.Rows, n int) engine.Rows {
	cols := append([]*mysql.Field(nil), in.Columns()...)
	for i := 0; i < n && i < len(cols); i++ {
		if f := cols[i]; f != nil && f.Flag&groupFlag != 0 {
			c := *f
			c.Flag = c.Flag&^groupFlag | mysql.PART_KEY_FLAG
			cols[i] = &c
		}
	}
	return fieldsRows{Rows: in, cols: cols}
}

// fieldsRows is rows with other column definitions.
type fieldsRows struct {
	engine.Rows
	cols []*mysql.Field
}

func (r fieldsRows) Columns() []*mysql.Field { return r.cols }

// hiddenOrgNames is in with an org_name that is one of the merge's own
// aliases (a group of a derived table's column, `x`.`g` AS `__xa_g0`,
// whose org_name MariaDB gives as the item's name) made the column's
// name, as one MariaDB names it.
func hiddenOrgNames(in engine.Rows) engine.Rows {
	var cols []*mysql.Field
	for i, f := range in.Columns() {
		if f == nil || !strings.HasPrefix(string(f.OrgName), "__xa_") {
			continue
		}
		if cols == nil {
			cols = append([]*mysql.Field(nil), in.Columns()...)
		}
		c := *f
		c.OrgName = c.Name
		cols[i] = &c
	}
	if cols == nil {
		return in
	}
	return fieldsRows{Rows: in, cols: cols}
}
