package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// lockWaitForParser blanks what MariaDB's DDL may say of its metadata
// lock that the TiDB parser does not know: ALTER ONLINE TABLE (LOCK=NONE)
// (and ALTER TABLE IF EXISTS, also MariaDB's alone) and the lock wait options WAIT n and NOWAIT (ALTER TABLE, CREATE and
// DROP INDEX, DROP TABLE, TRUNCATE, RENAME TABLE). The blanked text only
// routes the statement: the shards run the client's, each waiting as one
// server would. It keeps its length, so offsets stay right; wait is the
// lock wait option ("WAIT n", "NOWAIT" or ""); ok is false when there is
// nothing to blank.
func lockWaitForParser(sql string, m sqllex.Mode) (alt, wait string, ok bool) {
	toks := sqllex.Tokens(sql, m, 0)
	if len(toks) < 2 || !(toks[0].Is("ALTER") || toks[0].Is("CREATE") || toks[0].Is("DROP") || toks[0].Is("TRUNCATE") || toks[0].Is("RENAME")) {
		return "", "", false
	}
	b := []byte(sql)
	blank := func(t sqllex.Token) {
		for i := t.End - len(t.Text); i < t.End; i++ {
			b[i] = ' '
		}
	}
	found := false
	if toks[0].Is("ALTER") {
		j := 1
		if toks[j].Is("ONLINE") {
			blank(toks[j])
			found = true
			j++
		}
		if j < len(toks) && toks[j].Is("IGNORE") {
			j++
		}
		if j+2 < len(toks) && toks[j].Is("TABLE") && toks[j+1].Is("IF") && toks[j+2].Is("EXISTS") {
			// ALTER TABLE IF EXISTS: a missing table is a Note, which
			// the shards give.
			blank(toks[j+1])
			blank(toks[j+2])
			found = true
		}
	}
	for i := 2; i < len(toks); i++ {
		if !lockOptionAt(toks, i) {
			continue // a name: db.nowait, ADD INDEX nowait (a)
		}
		switch {
		case toks[i].Is("NOWAIT"):
			blank(toks[i])
			found, wait = true, "NOWAIT"
		case toks[i].Is("WAIT") && i+1 < len(toks) && isDigits(toks[i+1]):
			blank(toks[i])
			blank(toks[i+1])
			found, wait = true, "WAIT "+toks[i+1].Text
		}
	}
	return string(b), wait, found
}

// lockOptionAt: toks[i] stands where MariaDB's grammar puts the lock wait
// option: right after a table name (ALTER TABLE [IF EXISTS] t, DROP TABLE
// a, b, TRUNCATE t, RENAME TABLE t ... , u, DROP INDEX i ON t) or after
// CREATE INDEX's column list. Elsewhere WAIT and NOWAIT, which MariaDB
// does not reserve, are names (ADD INDEX nowait (a), CHANGE a nowait INT).
func lockOptionAt(toks []sqllex.Token, i int) bool {
	prev := toks[i-1]
	if prev.Is(")") {
		return toks[0].Is("CREATE")
	}
	if prev.Kind != sqllex.Word {
		return false
	}
	before := toks[i-2]
	if before.Is(".") { // db.t
		if i < 4 {
			return false
		}
		before = toks[i-4]
	}
	switch {
	case before.Is("TABLE"), before.Is("EXISTS"), before.Is("ON"), before.Is("TRUNCATE"):
		return true
	case before.Is(","):
		return toks[0].Is("DROP") || toks[0].Is("RENAME")
	}
	return false
}

func isDigits(t sqllex.Token) bool {
	return t.Kind == sqllex.Word && t.Text != "" && strings.Trim(t.Text, "0123456789") == ""
}
