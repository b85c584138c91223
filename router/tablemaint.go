package router

import (
	"regexp"
	"slices"

	"github.com/xaproxy/xaproxy/catalog"
)

// CHECK TABLE and REPAIR TABLE, which the TiDB parser does not know, are
// table maintenance like ANALYZE TABLE: read as ANALYZE TABLE of the same
// tables, they route as it does (every shard of a table runs the client's
// own text, their answers, alike, are answered once: proxy/tableadmin.go)
// and commit implicitly as MariaDB does.

const maintName = "(?:`[^`]+`|[A-Za-z0-9_$]+)(?:\\s*\\.\\s*(?:`[^`]+`|[A-Za-z0-9_$]+))?"

var maintHead = regexp.MustCompile(`(?is)^(?:CHECK|REPAIR(?:\s+(?:NO_WRITE_TO_BINLOG|LOCAL))?)\s+TABLES?\s+(` +
	maintName + `(?:\s*,\s*` + maintName + `)*)(?:\s+(?:FOR\s+UPGRADE|QUICK|FAST|MEDIUM|EXTENDED|CHANGED|USE_FRM|FORCE))*[\s;]*$`)

// maintAsAnalyze is the ANALYZE TABLE text that names the tables of a
// CHECK or REPAIR TABLE statement (head: from its first keyword).
func maintAsAnalyze(head string) (string, bool) { return asAnalyze(maintHead, head) }

// asAnalyze is ANALYZE TABLE of the tables re's first group finds in head.
func asAnalyze(re *regexp.Regexp, head string) (string, bool) {
	m := re.FindStringSubmatch(head)
	if m == nil {
		return "", false
	}
	return "ANALYZE TABLE " + m[1], true
}

// CHECKSUM TABLE, which the parser does not know either, is read as
// ANALYZE TABLE of its tables too, but it reads rows and commits nothing
// (Statement.Checksum). MariaDB's checksum of a table is the sum, modulo
// 2^32, of its rows' checksums (checked against MariaDB 10.11), so a
// sharded table's is the sum of its shards' (proxy/checksum.go).
var checksumHead = regexp.MustCompile(`(?is)^CHECKSUM\s+TABLES?\s+(` +
	maintName + `(?:\s*,\s*` + maintName + `)*)(?:\s+(?:QUICK|EXTENDED))?[\s;]*$`)

// checksumAsAnalyze is the ANALYZE TABLE text that names the tables of a
// CHECKSUM TABLE statement.
func checksumAsAnalyze(head string) (string, bool) { return asAnalyze(checksumHead, head) }

// planChecksum routes CHECKSUM TABLE: unsharded tables of one shard to
// it, a broadcast table to one copy, a sharded table to each of its
// shards, whose checksums the executor adds up (Exec.Checksum).
func (r *Router) planChecksum(p *Plan, user, db string) error {
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	pl := place(tables)
	switch {
	case len(pl.sharded) == 0 && len(pl.broadcast) == 0:
		return r.planNonSharded(p, pl, db, "")
	case len(tables) > 1:
		return errUnsupported("CHECKSUM TABLE of several tables with a sharded or broadcast one is not supported: checksum each table in a statement of its own")
	case len(pl.broadcast) == 1:
		p.fixed = r.tableHome(tables[0], db)
		return nil
	}
	// A table the catalog does not know runs as before: each shard
	// answers for it (NULL and a 1146 warning where it is missing).
	if def := r.Catalog().Table(tables[0].schema, tables[0].name); def != nil {
		if i := slices.IndexFunc(def.Columns, func(c catalog.Column) bool { return c.Virtual }); i >= 0 {
			// Checked on 10.11: such a table's checksum is not the sum of
			// its rows' (the shards' add up to another number).
			return errUnsupported("CHECKSUM TABLE of sharded table %s is not supported: its VIRTUAL column %s makes one server's checksum other than the sum of its shards'; compare the rows (SELECT ... ORDER BY the primary key) instead", tables[0].name, def.Columns[i].Name)
		}
	}
	p.fanout = orderLike(tables[0].table.Shards, r.rules.Shards())
	p.checksum = true
	return nil
}
