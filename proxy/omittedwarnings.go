package proxy

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// MariaDB warns once per statement of a NOT NULL column without a default
// that a non-strict INSERT leaves out ("1364 Field 'n' doesn't have a
// default value"; checked on 10.11), and each part of a split INSERT warns
// of it again. A column the INSERT names, given DEFAULT, is warned of once
// per row, by the parts as by one server.

// errNoDefault is ER_NO_DEFAULT_FOR_FIELD.
const errNoDefault = "1364"

// dropRepeatedOmitted takes the repeats of such warnings out of the
// statement's conditions and returns how many it took.
func (s *Session) dropRepeatedOmitted(st *router.Statement) uint64 {
	ins, ok := st.Node.(*ast.InsertStmt)
	if !ok || s.diag.stmt != s.diagSeq {
		return 0
	}
	keyed := len(s.diag.rowKeys) == len(s.diag.rows)
	seen := map[string]bool{}
	var rows []engine.Row
	var keys []int
	var dropped uint64
	for i, r := range s.diag.rows {
		if len(r) > 2 && string(r[1]) == errNoDefault {
			if col, ok := noDefaultColumn(string(r[2])); ok && !insertNames(ins, col) {
				if seen[col] {
					dropped++
					continue
				}
				seen[col] = true
			}
		}
		rows = append(rows, r)
		if keyed {
			keys = append(keys, s.diag.rowKeys[i])
		}
	}
	if dropped == 0 {
		return 0
	}
	s.diag.rows, s.diag.warnings = rows, s.diag.warnings-min(dropped, s.diag.warnings)
	if keyed {
		s.diag.rowKeys = keys
	}
	return dropped
}

// noDefaultColumn reads the column of a 1364 message.
func noDefaultColumn(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "Field '")
	if !ok {
		return "", false
	}
	col, _, ok := strings.Cut(rest, "' doesn't have a default value")
	return col, ok
}

// insertNames tells whether an INSERT names col in its column list (or
// SET, which the parser lists there too); without one, every column is
// given a value.
func insertNames(ins *ast.InsertStmt, col string) bool {
	for _, c := range ins.Columns {
		if strings.EqualFold(c.Name.O, col) {
			return true
		}
	}
	return len(ins.Columns) == 0
}
