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
	for i := range a {
		if a[i].label != b[i].label {
			return ""
		}
		a[i].n += b[i].n
	}
	return formatOKInfo(a)
}

// withOKInfoCount sets the count of label in an info text; a text without
// that label is left as it is.
func withOKInfoCount(info, label string, n uint64) string {
	counts, ok := parseOKInfo(info)
	if !ok {
		return info
	}
	for i := range counts {
		if counts[i].label == label {
			counts[i].n = n
			return formatOKInfo(counts)
		}
	}
	return info
}

// formatOKInfo writes counts as MariaDB does: "Label: N  Label: N".
func formatOKInfo(counts []okInfoCount) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = c.label + ": " + strconv.FormatUint(c.n, 10)
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
// multi-row INSERT, from the affected rows of that row alone
// (rowDuplicates). "" for other statements.
func singleRowInsertInfo(st *router.Statement, affected uint64, warnings uint16) string {
	ins, ok := st.Node.(*ast.InsertStmt)
	if !ok {
		return ""
	}
	dup := rowDuplicates(ins.IgnoreErr, ins.OnDuplicate != nil, ins.IsReplace, affected)
	return fmt.Sprintf("Records: 1  Duplicates: %d  Warnings: %d", dup, warnings)
}

// rowDuplicates is how many duplicates MariaDB counts for a row of a
// multi-row INSERT among the info's Duplicates, from its affected rows
// (checked on 10.11). With IGNORE (with or without ON DUPLICATE KEY
// UPDATE) Duplicates are the rows not written: 0 affected, a duplicate
// IGNORE skipped or an update that changed nothing. A row of ON DUPLICATE
// KEY UPDATE that changed one: 2 affected. A row of REPLACE counts each
// row it deleted (one per unique key it met): all its affected rows but
// the one it wrote.
func rowDuplicates(ignore, upsert, replace bool, affected uint64) uint64 {
	switch {
	case ignore:
		if affected == 0 {
			return 1
		}
	case upsert && affected == 2:
		return 1
	case replace && affected > 1:
		return affected - 1
	}
	return 0
}
