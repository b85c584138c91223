package proxy

import (
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// A client that connects with CLIENT_FOUND_ROWS (Go's clientFoundRows,
// JDBC, mysql2) counts the rows an UPDATE matched, not the rows it changed.
// Backend connections are shared, so they never ask for it; the UPDATE's OK
// packet says both in its info text ("Rows matched: 3  Changed: 1
// Warnings: 0"), which gives the client's count.

// affectedForClient is the affected-rows count of an OK packet as this
// session's client counts it.
func (s *Session) affectedForClient(affected uint64, info string) uint64 {
	if s.conn == nil || s.conn.Capability()&mysql.CLIENT_FOUND_ROWS == 0 {
		return affected
	}
	if m, ok := matchedRows(info); ok {
		return m
	}
	return affected
}

// matchedRows reads "Rows matched: N" from an UPDATE's OK info.
func matchedRows(info string) (uint64, bool) {
	const prefix = "Rows matched: "
	rest, ok := strings.CutPrefix(info, prefix)
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	n, err := strconv.ParseUint(rest[:end], 10, 64)
	return n, err == nil
}

// An INSERT ... ON DUPLICATE KEY UPDATE counts a duplicate row that it left
// unchanged as 0 affected rows, and 1 for a CLIENT_FOUND_ROWS client
// (sequelize's upsert through mysql2 reads "created" from it). The shards'
// OK packets (without the capability) say enough to count it: with R the
// info's Records, D its Duplicates and A the affected rows (checked on
// MariaDB 10.11),
//   - without IGNORE, D counts the rows the update changed and each counts
//     2 in A, so R - (A - 2D) rows were duplicates: the client's count is
//     R + D and its info says Duplicates: R - (A - 2D);
//   - with IGNORE, D counts the rows that were not written (R less those
//     inserted or changed): the client's count is A + D, with the same info.
// A one-row statement has no info: R is 1 and D follows from A as for a
// row of a multi-row INSERT (singleRowInsertInfo). The arithmetic is linear,
// so it applies as well to the sums over the parts of a split INSERT.

// upsertForClient is the affected rows and info of st's OK packet as this
// session's client counts them (the shards counted without
// CLIENT_FOUND_ROWS); other statements' pass unchanged.
func (s *Session) upsertForClient(affected uint64, info string) (uint64, string) {
	// s.cur.cmd: only the answer of a running statement; a COM_PING after
	// a COM_STMT_PREPARE of an upsert still has the prepare's result run.
	if s.conn == nil || s.conn.Capability()&mysql.CLIENT_FOUND_ROWS == 0 || s.cur.cmd == "" || s.resRun == nil || s.resRun.st == nil {
		return affected, info
	}
	ins, ok := s.resRun.st.Node.(*ast.InsertStmt)
	if !ok || ins.OnDuplicate == nil || ins.IsReplace {
		return affected, info
	}
	affected, converted := foundRowsUpsert(ins.IgnoreErr, affected, info)
	if ins.Select != nil {
		// INSERT ... SELECT's info counts the rows it changed, with the
		// capability or not (select_insert::send_ok_packet, 10.11).
		return affected, info
	}
	return affected, converted
}

// foundRowsUpsert converts an upsert's count and info (see above); an info
// it cannot read leaves both as they are.
func foundRowsUpsert(ignore bool, affected uint64, info string) (uint64, string) {
	if info == "" {
		dup := rowDuplicates(ignore, true, false, affected)
		if ignore {
			return affected + dup, ""
		}
		return 1 + dup, ""
	}
	counts, ok := parseOKInfo(info)
	if !ok || len(counts) != 3 || counts[0].label != "Records" || counts[1].label != "Duplicates" || counts[2].label != "Warnings" {
		return affected, info
	}
	records, dup := counts[0].n, counts[1].n
	if ignore {
		return affected + dup, info
	}
	if affected < 2*dup || affected-2*dup > records {
		return affected, info
	}
	counts[1].n = records - (affected - 2*dup)
	return records + dup, formatOKInfo(counts)
}
