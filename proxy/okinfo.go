package proxy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/router"
)

// mergeOKInfo adds up the info texts of the OK packets of one statement's
// parts on several shards, as one MariaDB holding all the rows would write
// it: "Rows matched: 4  Changed: 4  Warnings: 0" for an UPDATE,
// "Records: 40  Duplicates: 0  Warnings: 0" for a multi-row INSERT.
// Clients read it: mysql2 takes changedRows from it, PHP's mysqli_info
// returns it. Texts of another shape (or of different shapes) give no info
// rather than a wrong one. first tells that acc is still empty.
func mergeOKInfo(acc, next string, first bool) string {
	if first {
		return next
	}
	a, okA := parseOKInfo(acc)
	b, okB := parseOKInfo(next)
	if !okA || !okB || len(a) != len(b) {
		return ""
	}
	parts := make([]string, len(a))
	for i := range a {
		if a[i].label != b[i].label {
			return ""
		}
		parts[i] = a[i].label + ": " + strconv.FormatUint(a[i].n+b[i].n, 10)
	}
	return strings.Join(parts, "  ")
}

type okInfoCount struct {
	label string
	n     uint64
}

// parseOKInfo reads "Label: N  Label: N ..." (MariaDB separates the pairs
// with two spaces).
func parseOKInfo(s string) ([]okInfoCount, bool) {
	if s == "" {
		return nil, false
	}
	var out []okInfoCount
	for _, pair := range strings.Split(s, "  ") {
		label, num, ok := strings.Cut(pair, ": ")
		if !ok || label == "" {
			return nil, false
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, okInfoCount{label: label, n: n})
	}
	return out, true
}

// singleRowInsertInfo is the info MariaDB would count for one row of a
// multi-row INSERT, from the affected rows of that row alone: a duplicate
// is a row IGNORE skipped (0 affected), REPLACE deleted first, or ON
// DUPLICATE KEY UPDATE changed (2 affected). "" for other statements.
func singleRowInsertInfo(st *router.Statement, affected uint64, warnings uint16) string {
	ins, ok := st.Node.(*ast.InsertStmt)
	if !ok {
		return ""
	}
	var dup uint64
	switch {
	case ins.OnDuplicate != nil || ins.IsReplace:
		if affected == 2 {
			dup = 1
		}
	case ins.IgnoreErr:
		if affected == 0 {
			dup = 1
		}
	}
	return fmt.Sprintf("Records: 1  Duplicates: %d  Warnings: %d", dup, warnings)
}
