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
func (sc *scanner) body(schema, text string, params ...string) *bodyScan {
	b := &bodyScan{}
	for _, n := range sc.read(b, text, params) {
		if n.Schema == "" {
			n.Schema = schema
		}
		sc.addNamed(b, n)
	}
	return b
}

// read adds to b what the words of text say (params: the routine's own
// names), and returns the names it has, each once (Schema "" where
// unqualified).
func (sc *scanner) read(b *bodyScan, text string, params []string) []Named {
	var names []Named
	seen := map[Named]bool{}
	for _, toks := range readings(text) {
		w := scanWords(toks, params)
		b.absorb(w.Reach)
		b.calls = append(b.calls, w.calls...)
		b.takesDefaults = b.takesDefaults || w.takesDefaults
		b.procCalls = append(b.procCalls, w.procCalls...)
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
func (sc *scanner) addNamed(b *bodyScan, n Named) {
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
	v := sc.view(t)
	b.absorb(v.Reach)
	b.calls = append(b.calls, v.calls...)
	b.procCalls = append(b.procCalls, v.procCalls...)
}

// view reads a view's definition (names fully qualified there): the
// tables it reads, the routines it calls, what its words say.
func (sc *scanner) view(t *Table) *bodyScan {
	if v := sc.views[t]; v != nil {
		return v
	}
	v := &bodyScan{}
	// Cached before it is read: a cycle (MariaDB allows none) stops here,
	// with what was read so far.
	sc.views[t] = v
	for _, n := range sc.read(v, t.Definition, nil) {
		if n.Schema != "" {
			sc.addNamed(v, n)
		}
	}
	v.Writes = false // a view's words (its own name in a definition) write nothing
	return v
}

// scanWords finds, in a body's tokens, its writes, sequence functions,
// aggregate, dynamic, session, administrative and information_schema
// statements, and its calls.
func scanWords(toks []token, params []string) *bodyScan {
	b := &bodyScan{}
	own := ownNames(toks, params)
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
			b.takesDefaults = b.takesDefaults || w == "insert" || w == "replace" || w == "load"
		case w == "default" && (prev.Is("=") || prev.Is(",") || prev.Is("(") || next.Is("(")):
			b.takesDefaults = true // SET c = DEFAULT, VALUES (.., DEFAULT), DEFAULT(c)
		case w == "prepare" || w == "execute":
			b.Dynamic = true
		case call && (w == "uuid_short" || w == "nextval" || w == "setval"),
			w == "value" && prev.Is("next"),
			call && w == "rand" && !tokenAt(toks, i+2).Is(")"):
			b.Sequences = true
		case call && PerServerFunc(w),
			PerServerVar(w) && systemVarAt(toks, i):
			b.Random = true // rand(): without a seed (the case above has those)
		case w == "fetch" && next.Is("group") && tokenAt(toks, i+2).Is("next"):
			b.Aggregate = true
		case call && (sessionFuncs[w] || UserLockFunc(w)), w == "current_user" || w == "current_role",
			sessionVars[w] && systemVarAt(toks, i),
			w == "value" && prev.Is("previous"):
			b.Session = true
		case w == "set" && setsSystemVar(toks, i, own):
			b.Admin = true
		case w == "show":
			b.InfoSchema = true // SHOW TABLES, SHOW TABLE STATUS: the shard's own
		case adminWord(toks, i, w):
			b.Admin = true
		}
	}
	b.calls, b.procCalls = calledIn(toks)
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
	"lastval": true,
}

// UserLockFunc tells whether a function's lock lives in the connection
// (GET_LOCK and its kin): the session's through the proxy.
func UserLockFunc(name string) bool {
	switch strings.ToLower(name) {
	case "get_lock", "release_lock", "release_all_locks", "is_used_lock", "is_free_lock":
		return true
	}
	return false
}

// sessionVars read like sessionFuncs as @@name.
var sessionVars = map[string]bool{"last_insert_id": true, "identity": true, "insert_id": true, "error_count": true, "warning_count": true}

// setsSystemVar tells whether the SET statement at toks[i] assigns a
// system variable: @@x, GLOBAL/SESSION/LOCAL x, SET TRANSACTION, NAMES,
// CHARACTER SET, PASSWORD, ROLE, STATEMENT, or any name that is not the
// body's own (declared, a parameter, NEW.col or OLD.col). A SET inside
// another statement (UPDATE t SET, INSERT ... SET, a handler's SET, a
// column's CHARACTER SET) assigns columns or local variables.
func setsSystemVar(toks []token, i int, own map[string]bool) bool {
	if !statementStart(toks, i) {
		return false
	}
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
		if !t.Ident() {
			continue
		}
		w := strings.ToLower(t.Text)
		switch {
		case t.Kind == wordToken && setKeywords[w]:
			return true
		case (w == "new" || w == "old") && tokenAt(toks, j+1).Is("."), own[w]:
			continue
		}
		return true
	}
	return false
}

// statementStart tells whether toks[i] begins a statement of a body: the
// first token, or one after ';', a label's ':', BEGIN, THEN, ELSE, DO,
// LOOP or REPEAT, or a handler's condition list.
func statementStart(toks []token, i int) bool {
	prev := tokenAt(toks, i-1)
	if i == 0 || prev.Is(";") || prev.Is(":") || i == bodyStart(toks) {
		return true
	}
	for _, w := range []string{"begin", "then", "else", "do", "loop", "repeat"} {
		if prev.Is(w) {
			return true
		}
	}
	// A handler's statement: DECLARE ... HANDLER FOR conditions SET ...
	for j := i - 1; j >= 0 && !toks[j].Is(";") && !toks[j].Is("begin"); j-- {
		if toks[j].Is("handler") && tokenAt(toks, j+1).Is("for") {
			return true
		}
	}
	return false
}

// bodyStart is where the body of a CREATE PROCEDURE's text begins, after
// its parameter list and characteristics ("(a INT) COMMENT 'x' SET ...");
// 0 for a stored body, which has neither.
func bodyStart(toks []token) int {
	if len(toks) == 0 || !toks[0].Is("(") {
		return 0
	}
	i, depth := 0, 0
	for ; i < len(toks); i++ {
		if toks[i].Is("(") {
			depth++
		} else if toks[i].Is(")") {
			if depth--; depth == 0 {
				break
			}
		}
	}
	for i++; i < len(toks) && (toks[i].Kind == sqllex.String || characteristics[strings.ToLower(toks[i].Text)] && toks[i].Kind == wordToken); i++ {
	}
	return i
}

// characteristics are the words of a routine's characteristics.
var characteristics = map[string]bool{
	"language": true, "sql": true, "not": true, "deterministic": true, "contains": true, "no": true,
	"reads": true, "modifies": true, "data": true, "security": true, "definer": true, "invoker": true, "comment": true,
}

// ownNames are the names a body declares (DECLARE a, b ...) and its
// parameters: those given, and those of a CREATE's head ((IN a INT, OUT
// b INT) before the body), lower-cased.
func ownNames(toks []token, params []string) map[string]bool {
	own := map[string]bool{}
	for _, p := range params {
		own[strings.ToLower(p)] = true
	}
	if len(toks) > 0 && toks[0].Is("(") {
		depth := 0
		for i, t := range toks[:bodyStart(toks)] {
			switch {
			case t.Is("("):
				depth++
			case t.Is(")"):
				depth--
			case depth == 1 && t.Ident() && !t.Is("in") && !t.Is("out") && !t.Is("inout"):
				if p := tokenAt(toks, i-1); p.Is("(") || p.Is(",") || p.Is("in") || p.Is("out") || p.Is("inout") {
					own[strings.ToLower(t.Text)] = true // a name, not its type
				}
			}
		}
	}
	for i, t := range toks {
		if !t.Is("declare") {
			continue
		}
		// DECLARE a, b INT ...: the names, each after DECLARE or a comma.
		for j := i + 1; j < len(toks) && toks[j].Ident(); j += 2 {
			own[strings.ToLower(toks[j].Text)] = true
			if !tokenAt(toks, j+1).Is(",") {
				break
			}
		}
	}
	return own
}

// systemVarAt tells whether the word at toks[i] is read as @@name or
// @@scope.name.
func systemVarAt(toks []token, i int) bool {
	if tokenAt(toks, i-1).Is("@") && tokenAt(toks, i-2).Is("@") {
		return true
	}
	return tokenAt(toks, i-1).Is(".") && tokenAt(toks, i-3).Is("@") && tokenAt(toks, i-4).Is("@")
}

// setKeywords follow SET where it assigns what the session keeps.
var setKeywords = map[string]bool{
	"global": true, "session": true, "local": true, "transaction": true, "names": true, "character": true,
	"charset": true, "password": true, "role": true, "default": true, "statement": true,
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

// calledIn lists the functions toks call (a name followed by '(', builtins
// too, which name no routine) and the procedures (named by CALL, also CALL
// db.p), lower-cased.
func calledIn(toks []token) (funcs, procs []string) {
	for i, t := range toks {
		if !t.Ident() {
			continue
		}
		prev := tokenAt(toks, i-1)
		switch {
		case prev.Is("call") && !tokenAt(toks, i+1).Is("."), prev.Is(".") && tokenAt(toks, i-3).Is("call"):
			procs = append(procs, strings.ToLower(t.Text))
		case tokenAt(toks, i+1).Is("("):
			funcs = append(funcs, strings.ToLower(t.Text))
		}
	}
	return funcs, procs
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

// PerServerVar tells whether a system variable is one server's own
// (its identity, files and replication position): written into a
// broadcast table's copies it would differ between them.
func PerServerVar(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "hostname", "server_id", "server_uuid", "port", "socket", "datadir", "pid_file", "report_host", "report_port",
		"log_error", "general_log_file", "slow_query_log_file", "log_bin_basename", "relay_log_basename", "tmpdir",
		"last_gtid", "pseudo_thread_id":
		return true
	}
	return strings.HasPrefix(name, "gtid_")
}

// PerServerFunc tells whether a function computes a new value on every
// server (rand: without a seed, which the caller tells apart): the copies
// of a broadcast table written with one would differ.
func PerServerFunc(name string) bool {
	switch strings.ToLower(name) {
	case "uuid", "sys_guid", "rand", "sysdate", "random_bytes":
		return true
	}
	return false
}
