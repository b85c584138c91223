package proxy

import (
	"fmt"
	"slices"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

// A table maintenance statement (ANALYZE, OPTIMIZE TABLE) of a sharded or
// broadcast table runs on each of its shards, and each answers a result
// set (Table, Op, Msg_type, Msg_text) naming the table as the client does
// (schema.table: a shard's database is the schema's name). One server
// answers it once: the shards' answers, all alike, are answered once;
// when they differ, which one server would give is unknown, and the
// statement is answered with an error naming them.

// resultCopy is a result set read whole from a shard.
type resultCopy struct {
	cols []*mysql.Field
	rows []engine.Row
}

// copyResult reads what is left of rows into kept (a later result set's
// rows follow an earlier one's).
func copyResult(kept *resultCopy, rows *shardRows) *resultCopy {
	if kept == nil {
		kept = &resultCopy{cols: rows.cols}
	}
	for {
		row, err := rows.Next()
		if err != nil {
			return kept // io.EOF, or rows.err for the caller to check
		}
		kept.rows = append(kept.rows, row)
	}
}

// adminAnswer is the one answer of the shards' (in shard order), or an
// error when they differ.
func adminAnswer(shards []string, answers []*resultCopy) (*resultCopy, *mysql.MyError) {
	first := answers[0]
	for i, a := range answers[1:] {
		if !sameResult(first, a) {
			return nil, mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"the shards answered this statement differently (%s: %s; %s: %s), so xaproxy cannot answer as one server: run it on each shard to see their answers",
				shards[0], lastMessage(first), shards[i+1], lastMessage(a)))
		}
	}
	return first, nil
}

func sameResult(a, b *resultCopy) bool {
	if a == nil || b == nil {
		return a == b
	}
	return len(a.cols) == len(b.cols) && slices.EqualFunc(a.rows, b.rows, func(x, y engine.Row) bool {
		return slices.EqualFunc(x, y, func(u, v []byte) bool { return (u == nil) == (v == nil) && string(u) == string(v) })
	})
}

// lastMessage is the Msg_text of an answer's last row (its status).
func lastMessage(k *resultCopy) string {
	if k == nil || len(k.rows) == 0 {
		return "no rows"
	}
	r := k.rows[len(k.rows)-1]
	if len(r) == 0 {
		return "empty row"
	}
	return string(r[len(r)-1])
}

// writeAdminAnswer answers a table maintenance statement that ran on
// every shard of shards with their one answer.
func (s *Session) writeAdminAnswer(shards []string, answers []*resultCopy, binary bool) error {
	k, me := adminAnswer(shards, answers)
	if me != nil {
		return s.writeErr(me)
	}
	if k == nil {
		return s.writeOKStatus(0, 0, s.status(0), 0, "")
	}
	return s.writeRows(engine.FromSlice(k.cols, k.rows), binary)
}
