package proxy

import (
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// erConstraintFailed is MariaDB's ER_CONSTRAINT_FAILED: a row failed a
// CHECK constraint.
const erConstraintFailed = 4025

// An INSERT IGNORE of several rows skips a row that fails a CHECK
// constraint, with a warning; an INSERT of one row fails with the error,
// IGNORE or not (MariaDB 10.11 ignores a constraint only where the
// statement has several rows). A split INSERT sends a shard that gets one
// of the rows a one-row INSERT, so that shard's error is the warning one
// server holding all the rows would have given: nothing of that row was
// written, and the shard rolled back only the statement.

// skippedByIgnore tells whether a shard's error for part of st is such a
// row skipped by IGNORE: a constraint of the INSERT's own table (db is the
// session's database); one a trigger's write to another table failed
// fails the statement on one server too.
func skippedByIgnore(st *router.Statement, part router.Part, me *mysql.MyError, db string) bool {
	ins, ok := st.Node.(*ast.InsertStmt)
	if !ok || !ins.IgnoreErr || len(ins.Lists) < 2 || len(part.ValuesRows) != 1 || me.Code != erConstraintFailed || len(st.Tables) == 0 {
		return false
	}
	t := st.Tables[0]
	// MariaDB: "CONSTRAINT `c` failed for `db`.`table`".
	own := " failed for `" + t.In(db) + "`.`" + t.Name + "`"
	return len(me.Message) >= len(own) && strings.EqualFold(me.Message[len(me.Message)-len(own):], own)
}

// skipIgnoredRow records the shard's error as the statement's warning and
// is the part's count: no row written. A skipped row is not among the
// info's Records (checked on 10.11), unless ON DUPLICATE KEY UPDATE met a
// duplicate whose update failed the constraint, which counts it among
// Records and Duplicates: the shard's error does not tell the two apart,
// and the info counts it skipped.
func (s *Session) skipIgnoredRow(me *mysql.MyError) okInfo {
	s.addConditions(1, 0, []engine.Row{{[]byte("Warning"), []byte(strconv.Itoa(int(me.Code))), []byte(me.Message)}})
	return okInfo{warnings: 1, info: "Records: 0  Duplicates: 0  Warnings: 1"}
}
