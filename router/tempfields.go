package router

import (
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

// tempTableFields is in (groups, then one column per aggregate of aggs)
// with its aggregates described as one MariaDB describes the columns of
// the temporary table it sorts groups through (checked on 10.11 with a
// COUNT(DISTINCT) and an ORDER BY on an aggregate): a number without the
// BINARY flag, a YEAR ZEROFILL, a string with 0 decimals (not an
// expression's 39); a DATE, TIME, DATETIME or TIMESTAMP as it is.
func tempTableFields(in engine.Rows, groups int, aggs []engine.Agg) engine.Rows {
	cols := append([]*mysql.Field(nil), in.Columns()...)
	for j, g := range aggs {
		i := groups + j
		if i >= len(cols) || cols[i] == nil || g.Fn == engine.AggAny || g.Fn == engine.AggGroupConcat || g.Rep || g.Equal {
			continue
		}
		c := *cols[i]
		switch {
		case c.Type == mysql.MYSQL_TYPE_YEAR:
			c.Flag = c.Flag&^mysql.BINARY_FLAG | mysql.ZEROFILL_FLAG
		case isNumberType(c.Type):
			c.Flag &^= mysql.BINARY_FLAG
		case c.Charset != 63 && c.Decimal == 39: // text, not binary
			c.Decimal = 0
		}
		cols[i] = &c
	}
	return fieldsRows{Rows: in, cols: cols}
}

func isNumberType(t byte) bool {
	switch t {
	case mysql.MYSQL_TYPE_TINY, mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG,
		mysql.MYSQL_TYPE_LONGLONG, mysql.MYSQL_TYPE_FLOAT, mysql.MYSQL_TYPE_DOUBLE,
		mysql.MYSQL_TYPE_DECIMAL, mysql.MYSQL_TYPE_NEWDECIMAL:
		return true
	}
	return false
}

// itemFields is in with its MIN and MAX of a FLOAT or DOUBLE described
// as one MariaDB describes them without a temporary table (the shards'
// have been through one): as long as a double of their decimals prints
// (float_length: 23, or 17 and the decimals; checked on 10.11: MAX of a
// DOUBLE is 23 long, of a DOUBLE(10,2) 19).
func itemFields(in engine.Rows, groups int, aggs []engine.Agg) engine.Rows {
	cols := append([]*mysql.Field(nil), in.Columns()...)
	for j, g := range aggs {
		i := groups + j
		if i >= len(cols) || cols[i] == nil || g.Fn != engine.AggMin && g.Fn != engine.AggMax || g.Rep || g.Equal {
			continue
		}
		if t := cols[i].Type; t != mysql.MYSQL_TYPE_FLOAT && t != mysql.MYSQL_TYPE_DOUBLE {
			continue
		}
		c := *cols[i]
		c.ColumnLength = 23
		if c.Decimal < 31 {
			c.ColumnLength = 17 + uint32(c.Decimal)
		}
		cols[i] = &c
	}
	return fieldsRows{Rows: in, cols: cols}
}

// groupedThroughTemp tells whether the shards grouped through a temporary
// table: their group columns carry GROUP_FLAG. One MariaDB, planning the
// statement as they did, grouped so too.
func groupedThroughTemp(in []*mysql.Field, groups int) bool {
	for i := 0; i < groups && i < len(in); i++ {
		if in[i] != nil && in[i].Flag&groupFlag != 0 {
			return true
		}
	}
	return false
}

// tempExprFields is in with its outputs outs, computed from the groups
// alone, described as one MariaDB describes the temporary table's
// columns it stores them in: a number without the BINARY flag (checked
// on 10.11: g + 0 beside GROUP BY g).
func tempExprFields(in engine.Rows, outs []int) engine.Rows {
	if len(outs) == 0 {
		return in
	}
	cols := append([]*mysql.Field(nil), in.Columns()...)
	for _, i := range outs {
		if i >= len(cols) || cols[i] == nil || !isNumberType(cols[i].Type) {
			continue
		}
		c := *cols[i]
		c.Flag &^= mysql.BINARY_FLAG
		cols[i] = &c
	}
	return fieldsRows{Rows: in, cols: cols}
}
