package router

import (
	"slices"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// Two constants of the same text raise the same warning: one shard's
// "'x'" and another's may be two constants, which one server lists
// twice. The constants that may warn must then differ, in their first 64
// bytes (MariaDB cuts a long one in its message); those bound to
// parameters are checked at each bind.

// onceConsts are the constants of a statement whose every warning is
// one converted once (nil where it is not such a statement).
type onceConsts struct {
	texts  []string // string literals compared with numbers (constText)
	params []int    // parameters compared with numbers, by order
	// textParams are compared with text columns: bound as a number, they
	// would have every row's text read as a number.
	textParams []int
}

// constText is a string constant as its warnings quote it; "" for one
// too long to tell apart from another.
func constText(s string) string {
	if q := sharding.StringValue(s).String(); !strings.HasSuffix(q, "...'") {
		return q
	}
	return ""
}

// holds tells whether the statement bound to params still is one: no
// parameter bound as a date or time, and those bound as text differ from
// each other and from the literals.
func (o *onceConsts) holds(params []Param) bool {
	if o == nil || slices.ContainsFunc(params, temporalBound) {
		return false
	}
	for _, i := range o.textParams {
		if i < len(params) && numberBound(params[i]) && !params[i].Null {
			return false
		}
	}
	seen := slices.Clone(o.texts)
	for _, i := range o.params {
		if i >= len(params) || numberBound(params[i]) {
			continue
		}
		t := params[i].Key.String()
		if strings.HasSuffix(t, "...'") || !strings.HasPrefix(t, "'") || slices.Contains(seen, t) {
			return false
		}
		seen = append(seen, t)
	}
	return true
}

// numberBound: a parameter bound as a number (or NULL), which converts
// without a warning. The plan cache binds a statement's integer literals
// with type 0 (MYSQL_TYPE_DECIMAL).
func numberBound(p Param) bool {
	switch p.Type {
	case mysql.MYSQL_TYPE_DECIMAL, mysql.MYSQL_TYPE_NEWDECIMAL, mysql.MYSQL_TYPE_TINY, mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG,
		mysql.MYSQL_TYPE_LONGLONG, mysql.MYSQL_TYPE_FLOAT, mysql.MYSQL_TYPE_DOUBLE, mysql.MYSQL_TYPE_NULL:
		return true
	}
	return p.Null
}

// temporalBound: a parameter bound as a date or time, with which MariaDB
// compares a number column as temporal values, converting every row's.
func temporalBound(p Param) bool {
	switch p.Type {
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_TIME, mysql.MYSQL_TYPE_TIME2,
		mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_DATETIME2, mysql.MYSQL_TYPE_TIMESTAMP,
		mysql.MYSQL_TYPE_TIMESTAMP2, mysql.MYSQL_TYPE_YEAR:
		return true
	}
	return false
}
