package catalog

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// scanner reads bodies and view definitions for what they reach
// (reach.go). It remembers the views it read, so that a chain of views
// is read once per view however often it is named; a scanner belongs to
// one build or one BodyReach, never shared between goroutines.
type scanner struct {
	c     *Catalog
	views map[*Table]*bodyScan
}

func newScanner(c *Catalog) *scanner { return &scanner{c: c, views: map[*Table]*bodyScan{}} }

// body reads a body of schema: the tables it names that the catalog knows
// (a name qualified or not; a column or variable spelt like a table
// counts too, which only refuses more than needed), what its words say
// (scanWords) and its calls, in every sql_mode's reading.
func (sc *scanner) body(schema, text string) *bodyScan {
	b := &bodyScan{}
	for _, n := range sc.read(b, text) {
		if n.Schema == "" {
			n.Schema = schema
		}
		sc.addNamed(b, n, 0)
	}
	return b
}

// read adds to b what the words of text say, and returns the names it
// has, each once (Schema "" where unqualified).
func (sc *scanner) read(b *bodyScan, text string) []Named {
	var names []Named
	seen := map[Named]bool{}
	for _, toks := range readings(text) {
		w := scanWords(toks)
		b.absorb(w.Reach)
		b.calls = append(b.calls, w.calls...)
		for i, t := range toks {
			if !t.Ident() || tokenAt(toks, i-1).Is(".") {
				continue // a name after its qualifier is read with it
			}
			n := Named{Name: t.Text}
			if q := tokenAt(toks, i+2); tokenAt(toks, i+1).Is(".") && q.Ident() {
				n = Named{Schema: t.Text, Name: q.Text}
			}
			if k := (Named{Schema: strings.ToLower(n.Schema), Name: strings.ToLower(n.Name)}); !seen[k] {
				seen[k] = true
				names = append(names, n)
			}
		}
	}
	return names
}

// addNamed adds the table n if the catalog knows it: a view by the tables
// its definition reads and the routines it calls.
func (sc *scanner) addNamed(b *bodyScan, n Named, depth int) {
	if strings.EqualFold(n.Schema, "information_schema") {
		b.InfoSchema = true
		return
	}
	t := sc.c.Table(n.Schema, n.Name)
	if t == nil {
		return
	}
	if !t.View {
		b.absorb(Reach{Tables: []Named{{Schema: t.Schema, Name: t.Name}}})
		return
	}
	v := sc.view(t, depth)
	b.absorb(v.Reach)
	b.calls = append(b.calls, v.calls...)
}

// view reads a view's definition (names fully qualified there): the
// tables it reads, the routines it calls, what its words say.
func (sc *scanner) view(t *Table, depth int) *bodyScan {
	if v := sc.views[t]; v != nil {
		return v
	}
	v := &bodyScan{}
	sc.views[t] = v // a cycle (MariaDB allows none) reads as empty
	if depth > 16 {
		return v // views of views this deep: MariaDB refuses far sooner
	}
	for _, n := range sc.read(v, t.Definition) {
		if n.Schema != "" {
			sc.addNamed(v, n, depth+1)
		}
	}
	v.Writes = false // a view's words (its own name in a definition) write nothing
	return v
}

// scanWords finds, in a body's tokens, its writes, sequence functions,
// aggregate, dynamic, session, administrative and information_schema
// statements, and its calls.
func scanWords(toks []token) *bodyScan {
	b := &bodyScan{}
	for i, t := range toks {
		if t.Kind != wordToken {
			continue
		}
		w := strings.ToLower(t.Text)
		next, prev := tokenAt(toks, i+1), tokenAt(toks, i-1)
		call := next.Is("(") && !namesTable(prev)
		switch {
		case writeWords[w] && !call: // REPLACE(), INSERT(), TRUNCATE() are functions
			b.Writes = true
		case w == "prepare" || w == "execute":
			b.Dynamic = true
		case call && (w == "uuid_short" || w == "nextval" || w == "setval"),
			w == "value" && prev.Is("next"),
			call && w == "rand" && !tokenAt(toks, i+2).Is(")"):
			b.Sequences = true
		case w == "fetch" && next.Is("group") && tokenAt(toks, i+2).Is("next"):
			b.Aggregate = true
		case call && sessionFuncs[w], w == "current_user" || w == "current_role",
			sessionVars[w] && prev.Is("@") && tokenAt(toks, i-2).Is("@"),
			w == "value" && prev.Is("previous"):
			b.Session = true
		case w == "set" && setsSystemVar(toks, i):
			b.Admin = true
		case w == "show":
			b.InfoSchema = true // SHOW TABLES, SHOW TABLE STATUS: the shard's own
		case adminWord(toks, i, w):
			b.Admin = true
		}
	}
	b.calls = calledIn(toks)
	return b
}

// namesTable: a word before '(' after it names a table or column list,
// not a function (INSERT INTO user (a, b)).
func namesTable(prev token) bool {
	return prev.Is("into") || prev.Is("table") || prev.Is("update") || prev.Is("from") || prev.Is("join") || prev.Is("exists")
}

// writeWords begin or mark the statements that may write a table.
var writeWords = map[string]bool{
	"insert": true, "update": true, "delete": true, "replace": true, "truncate": true,
	"alter": true, "drop": true, "create": true, "rename": true, "load": true,
}

// sessionFuncs read what a connection remembers, which the proxy keeps
// per session (user-level locks live on the first shard for every
// session: proxy/execute.go runUserLock).
var sessionFuncs = map[string]bool{
	"last_insert_id": true, "found_rows": true, "row_count": true, "connection_id": true,
	"user": true, "current_user": true, "session_user": true, "system_user": true, "current_role": true,
	"lastval": true, "get_lock": true, "release_lock": true, "release_all_locks": true, "is_used_lock": true, "is_free_lock": true,
}

// sessionVars read like sessionFuncs as @@name.
var sessionVars = map[string]bool{"last_insert_id": true, "identity": true, "insert_id": true, "error_count": true, "warning_count": true}

// setsSystemVar tells whether the SET at toks[i] assigns a system
// variable: @@x, GLOBAL/SESSION/LOCAL x, SET TRANSACTION, NAMES,
// CHARACTER SET, PASSWORD, ROLE, STATEMENT, or a name of a session
// variable applications set (a body's own variable of such a name counts
// too, which only refuses more). A variable the body declared, a user
// variable and NEW.col are its own.
func setsSystemVar(toks []token, i int) bool {
	expectTarget, depth := true, 0
	for j := i + 1; j < len(toks); j++ {
		t := toks[j]
		switch {
		case t.Is(";"):
			return false
		case t.Is("("):
			depth++
		case t.Is(")"):
			depth--
		case t.Is(",") && depth == 0:
			expectTarget = true
			continue
		}
		if !expectTarget {
			continue
		}
		expectTarget = false
		if t.Is("@") {
			if tokenAt(toks, j+1).Is("@") {
				return true
			}
			continue // a user variable
		}
		w := strings.ToLower(t.Text)
		if t.Kind == wordToken && (setKeywords[w] || sessionVarNames[w]) {
			return true
		}
	}
	return false
}

// setKeywords follow SET where it assigns what the session keeps.
var setKeywords = map[string]bool{
	"global": true, "session": true, "local": true, "transaction": true, "names": true, "character": true,
	"charset": true, "password": true, "role": true, "default": true, "statement": true,
}

// sessionVarNames are session variables applications set.
var sessionVarNames = map[string]bool{
	"autocommit": true, "sql_mode": true, "sql_select_limit": true, "foreign_key_checks": true, "unique_checks": true,
	"time_zone": true, "lc_time_names": true, "lc_messages": true, "sql_safe_updates": true, "max_statement_time": true,
	"group_concat_max_len": true, "div_precision_increment": true, "sql_log_bin": true, "sql_notes": true,
	"sql_warnings": true, "sql_auto_is_null": true, "sql_big_selects": true, "max_join_size": true, "big_tables": true,
	"tx_isolation": true, "transaction_isolation": true, "tx_read_only": true, "transaction_read_only": true,
	"character_set_client": true, "character_set_connection": true, "character_set_results": true,
	"collation_connection": true, "timestamp": true, "insert_id": true, "last_insert_id": true, "identity": true,
	"auto_increment_increment": true, "auto_increment_offset": true, "default_storage_engine": true,
	"completion_type": true, "wait_timeout": true, "interactive_timeout": true, "max_error_count": true,
	"optimizer_switch": true, "old_mode": true, "check_constraint_checks": true, "innodb_lock_wait_timeout": true,
	"lock_wait_timeout": true, "explicit_defaults_for_timestamp": true, "pseudo_thread_id": true,
	"rand_seed1": true, "rand_seed2": true, "sql_quote_show_create": true, "updatable_views_with_limit": true,
}

// adminWord tells whether toks[i], w, begins what the proxy refuses or
// runs itself: account and server management, file access, transaction
// and table-lock control.
func adminWord(toks []token, i int, w string) bool {
	next := tokenAt(toks, i+1)
	switch w {
	case "grant", "revoke", "kill", "flush", "shutdown", "install", "uninstall", "purge", "binlog",
		"load_file", "outfile", "dumpfile", "commit", "rollback", "savepoint", "xa", "unlock":
		return true
	case "start":
		return next.Is("transaction")
	case "lock":
		return next.Is("tables") || next.Is("table")
	}
	return false
}

// calledIn lists the routines toks call, lower-cased: a name followed by
// '(' (builtins too, which name no routine), or named by CALL (also CALL
// db.p).
func calledIn(toks []token) []string {
	var calls []string
	for i, t := range toks {
		if !t.Ident() {
			continue
		}
		prev := tokenAt(toks, i-1)
		if tokenAt(toks, i+1).Is("(") || prev.Is("call") && !tokenAt(toks, i+1).Is(".") ||
			prev.Is(".") && tokenAt(toks, i-3).Is("call") {
			calls = append(calls, strings.ToLower(t.Text))
		}
	}
	return calls
}

// readings are the ways a stored body may read, not knowing the sql_mode
// it was stored under (a string spelt like a table only refuses more).
func readings(body string) [][]token { return sqllex.Readings(body) }

type token = sqllex.Token

const wordToken = sqllex.Word

// tokenAt returns toks[i], a zero token outside.
func tokenAt(toks []token, i int) token {
	if i < 0 || i >= len(toks) {
		return token{Kind: sqllex.Punct}
	}
	return toks[i]
}
