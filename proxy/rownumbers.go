package proxy

import (
	"regexp"
	"slices"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

// The shards of an INSERT split by shard number the rows of their own part
// in their messages ("Data truncated for column 'v' at row 1" for the
// statement's second row); MariaDB numbers the statement's VALUES rows
// and, running them in order, lists their conditions in row order
// (checked on 10.11). The proxy renumbers each part's messages from the
// rows it holds (router.Part.ValuesRows) and orders the statement's list.

// atRow is how MariaDB's messages name a row: at their end.
var atRow = regexp.MustCompile(` at row ([0-9]+)$`)

// statementRow rewrites the row a part's message names into the
// statement's; a message that names none, or a row the part lacks, stays.
func statementRow(msg string, valuesRows []int) string {
	m := atRow.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	n, err := strconv.Atoi(msg[m[2]:m[3]])
	if err != nil || n < 1 || n > len(valuesRows) {
		return msg
	}
	return msg[:m[2]] + strconv.Itoa(valuesRows[n-1]+1)
}

// rowNamed is the row a message names, 0 if none.
func rowNamed(msg []byte) int {
	m := atRow.FindSubmatch(msg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// renumberRows rewrites the messages of SHOW WARNINGS rows (Level, Code,
// Message) of a part holding valuesRows.
func renumberRows(rows []engine.Row, valuesRows []int) {
	for _, r := range rows {
		if len(r) > 2 {
			r[2] = []byte(statementRow(string(r[2]), valuesRows))
		}
	}
}

// renumberError is me with its row renumbered for a part holding
// valuesRows (me itself when there is nothing to renumber).
func renumberError(me *mysql.MyError, valuesRows []int) *mysql.MyError {
	if me == nil || len(valuesRows) == 0 {
		return me
	}
	if msg := statementRow(me.Message, valuesRows); msg != me.Message {
		return &mysql.MyError{Code: me.Code, State: me.State, Message: msg}
	}
	return me
}

// partRowKeys gives each condition of a part holding valuesRows the
// statement row (0-based) it is ordered by: the row its message names, or
// for one naming none (a duplicate that IGNORE skipped) the row of the
// condition before it in the part, the part's first row for the first.
// Each part's keys are its own rows, in its order; where the parts' rows
// do not interleave, the statement's order follows.
func partRowKeys(rows []engine.Row, valuesRows []int) []int {
	keys := make([]int, len(rows))
	last := slices.Min(valuesRows)
	for i, r := range rows {
		if len(r) > 2 {
			if n := rowNamed(r[2]); n > 0 {
				last = n - 1
			}
		}
		keys[i] = last
	}
	return keys
}

// orderConditionsByRow puts the statement's conditions in the order of the
// rows they stand for (partRowKeys), as MariaDB lists them; without keys
// for each, when every one names a row.
func (s *Session) orderConditionsByRow() {
	if s.diag.stmt != s.diagSeq || len(s.diag.rows) < 2 {
		return
	}
	if keys := s.diag.rowKeys; len(keys) == len(s.diag.rows) {
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return keys[a] - keys[b] })
		rows := make([]engine.Row, len(order))
		for i, j := range order {
			rows[i] = s.diag.rows[j]
		}
		s.diag.rows = rows
		return
	}
	for _, r := range s.diag.rows {
		if len(r) < 3 || rowNamed(r[2]) == 0 {
			return
		}
	}
	slices.SortStableFunc(s.diag.rows, func(a, b engine.Row) int { return rowNamed(a[2]) - rowNamed(b[2]) })
}
