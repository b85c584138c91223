package proxy

import (
	"math"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// A session's sql_mode changes how MariaDB reads its statements
// (ANSI_QUOTES: "x" is a name; PIPES_AS_CONCAT: || joins strings;
// NO_BACKSLASH_ESCAPES: a backslash in a string is itself): the proxy reads
// them the same way, so that it routes and rewrites what the client meant.
// The SQL it writes for shards (router/restore.go) quotes names with
// backquotes and strings with single quotes, which every mode reads alike,
// but for one thing: a backslash in a string is written escaped, which a
// shard under NO_BACKSLASH_ESCAPES would store twice. Such a statement is
// refused (checkRendered).

// sqlModeValue is the session's sql_mode: its own once it set one, the shards'
// global one before (read with the catalog).
func (s *Session) sqlModeValue() (string, bool) {
	if v, ok := s.vars.SQLMode(); ok {
		return strings.Trim(v, "'"), true
	}
	return s.srv.router.Catalog().SQLMode()
}

// readMode brings the session's cached reading of its sql_mode up to date:
// every answer and execution asks for it, the value seldom changes. Until
// the shards' global sql_mode is known, statements are read as MariaDB's
// default sql_mode does ("" reads as no flag).
func (s *Session) readMode() {
	v, _ := s.sqlModeValue()
	if v != s.modeOf {
		s.sqlMode, s.modeOf = router.ModeOf(v), v
		s.noAutoZero = modeLists(v, "NO_AUTO_VALUE_ON_ZERO")
		s.dates = router.DateModes{NoZeroDate: modeLists(v, "NO_ZERO_DATE"), NoZeroInDate: modeLists(v, "NO_ZERO_IN_DATE")}
	}
}

// parseMode is the parsing part of the session's sql_mode.
func (s *Session) parseMode() router.Mode {
	s.readMode()
	return s.sqlMode
}

// sqlModeHas tells whether the session's sql_mode lists flag (as read
// back: upper case, comma-separated).
func (s *Session) sqlModeHas(flag string) bool {
	v, ok := s.sqlModeValue()
	return ok && modeLists(v, flag)
}

// modeLists tells whether the sql_mode value lists flag.
func modeLists(sqlMode, flag string) bool {
	for f := range router.ModeFlags(sqlMode) {
		if f == flag {
			return true
		}
	}
	return false
}

// checkReadSince refuses to run a prepared statement that the session's
// sql_mode now reads differently: MariaDB keeps the reading of PREPARE
// time, while a shard the proxy prepares the text on (a backend connection
// sees it first at an execute) reads it with the session's current mode.
// Only the flags that changed, and only if the text has what they read
// differently, matter. The same holds for the character set and collation
// (charsets, at PREPARE: MariaDB fixes a literal's to them then) of a text
// with string literals or bytes above 0x7F, and for src, the literal of a
// SQL PREPARE that the shard's EXECUTE IMMEDIATE reads anew: its
// backslashes under NO_BACKSLASH_ESCAPES.
func (s *Session) checkReadSince(st *router.Statement, charsets, src string) error {
	if st == nil {
		return nil
	}
	diff := st.Mode ^ s.parseMode()
	if diff != 0 && (readsDifferently(st.SQL, diff) || readsDifferently(src, diff&mysql.ModeNoBackslashEscapes)) {
		return errNotSupported("the statement was prepared under another sql_mode, which read it differently (quotes, ||, backslashes or NOT): MariaDB keeps the reading of PREPARE time, a shard would read it with the current one; prepare it again")
	}
	if charsets != s.vars.CharsetKey() && (!router.IsASCII(st.SQL) || !router.IsASCII(src) || strings.ContainsAny(st.SQL, `'"`)) {
		return errNotSupported("the statement was prepared under another character set or collation (SET NAMES, character_set_connection or collation_connection changed since): MariaDB keeps the reading of PREPARE time for its text and literals, a shard would read them with the current ones; prepare it again")
	}
	return nil
}

// readsDifferently tells whether text has something the sql_mode flags in
// diff read differently.
func readsDifferently(text string, diff router.Mode) bool {
	has := func(f router.Mode, marks ...string) bool {
		if diff&f == 0 {
			return false
		}
		for _, m := range marks {
			if strings.Contains(strings.ToUpper(text), m) {
				return true
			}
		}
		return false
	}
	return has(mysql.ModeANSIQuotes, `"`) || has(mysql.ModePipesAsConcat, "||") ||
		has(mysql.ModeNoBackslashEscapes, `\`) || has(mysql.ModeHighNotPrecedence, "NOT") ||
		has(mysql.ModeIgnoreSpace, " (", "\t(", "\n(", "\r(", "\v(", "\f(", "*/(")
}

// parser reads statements as the session's sql_mode says.
func (s *Session) parser() *router.Parser { return s.srv.parser.In(s.parseMode()) }

// selectLimit is the session's sql_select_limit, when it has one. MariaDB
// applies it to a top-level SELECT without LIMIT as if it had one. Over
// several shards each shard applies it to its part (sorted, when the
// statement sorts), and the merge keeps the first rows of their union: the
// rows MariaDB would send. An aggregate merge cannot (checkRendered).
func (s *Session) selectLimit() (uint64, bool) {
	v, ok := s.sessionVarKey("@@session.sql_select_limit")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == math.MaxUint64 {
		return 0, false
	}
	return n, true
}

// cachedPlan looks sql's shape up in the plan cache, which holds plans of
// statements read in the default sql_mode only.
func (s *Session) cachedPlan(sql string) (*router.Statement, *router.Plan, []router.Param, bool) {
	if s.parseMode() != 0 {
		return nil, nil, nil, false
	}
	return s.srv.router.CachedPlan(sql, s.user, s.db)
}

// checkRewrittenText refuses text the proxy wrote for a shard (restored
// from the statement's tree) that has a backslash while sql_mode has
// NO_BACKSLASH_ESCAPES: its strings are written escaped for the default
// mode, and the shard would read the backslash twice.
func (s *Session) checkRewrittenText(text string) error {
	if s.parseMode()&mysql.ModeNoBackslashEscapes != 0 && strings.IndexByte(text, '\\') >= 0 {
		return errNotSupported("a string with a backslash (or a NUL byte) in a statement the proxy rewrites for the shards is not supported while sql_mode has NO_BACKSLASH_ESCAPES: the rewritten statement would store the backslash twice; run it without NO_BACKSLASH_ESCAPES, or on one shard")
	}
	return nil
}

// divPrecisionDefault is div_precision_increment's default, which the
// proxy's merges divide with (checkRendered).
const divPrecisionDefault = "4"

// checkRendered refuses a bound plan whose answer would differ from
// MariaDB's because of the session's variables: the SQL the proxy wrote has
// a backslash, which a shard reads as itself under NO_BACKSLASH_ESCAPES;
// under sql_select_limit, grouped aggregates or SHOW TABLES over several
// shards, which each shard would cut on its own; a merge that divides while
// div_precision_increment is not the default, or subtracts under
// NO_UNSIGNED_SUBTRACTION (the engine follows the default sql_mode and
// precision).
func (s *Session) checkRendered(st *router.Statement, ex *router.Exec) error {
	for _, p := range ex.Parts {
		if err := s.checkRewrittenText(p.SQL); err != nil {
			return err
		}
		if st != nil && p.SQL != "" && p.SQL != st.SQL { // "": the client's own text
			if err := router.CheckRenderedText(st.SQL, p.SQL, s.vars.ClientCharset()); err != nil {
				return err
			}
		}
	}
	if n, ok := s.selectLimit(); ok && ex.Op == router.ExecShowTables {
		return errSelectLimitShow("SHOW TABLES over several shards", n)
	}
	if ex.Op != router.ExecMerge {
		return nil
	}
	if ng := ex.Merge.Agg.NonGroupedIn(); ng != nil && s.sqlModeHas("ONLY_FULL_GROUP_BY") {
		// The merge shows a non-grouped column as MariaDB does without
		// the mode; with it MariaDB refuses the statement.
		if me := ng.OnlyFullGroupBy(); me != nil {
			return me
		}
		return ng
	}
	if n, ok := s.selectLimit(); ok && ex.Merge.Agg != nil && !ex.Merge.Agg.Distinct && (n == 0 || !ex.Merge.OneRowPerShard()) {
		// Without groups each shard answers one row, which a limit of 1
		// or more leaves whole (SELECT COUNT(*) under a client's default
		// limit); a limit of 0 empties it, as it would the statement's
		// own answer only when it has no LIMIT.
		return errNotSupported("aggregates with GROUP BY or COUNT(DISTINCT) over several shards (any aggregate under a limit of 0) are not supported while sql_select_limit is set (%d): each shard would cut its own groups; SET sql_select_limit = DEFAULT and write LIMIT in the statement", n)
	}
	if s.sqlModeHas("NO_UNSIGNED_SUBTRACTION") && ex.Merge.Computes("-") {
		return errNotSupported("a subtraction over aggregates of several shards is not supported while sql_mode has NO_UNSIGNED_SUBTRACTION: the proxy subtracts as the default sql_mode does; run it without that mode, or on one shard")
	}
	if v, ok := s.sessionVar("div_precision_increment"); ok && v != divPrecisionDefault && ex.Merge.UsesDivision() {
		return errNotSupported("AVG or a division over aggregates of several shards is not supported while div_precision_increment is %s: the proxy divides with the default scale (%s); SET div_precision_increment = DEFAULT, or run it on one shard", v, divPrecisionDefault)
	}
	return nil
}

// errSelectLimitShow refuses a SHOW the proxy assembles while
// sql_select_limit is set: MariaDB cuts SHOW TABLES and SHOW STATUS to it
// too, and a shard's cut list, filtered or completed by the proxy, is not
// the first rows of the answer.
func errSelectLimitShow(what string, n uint64) error {
	return errNotSupported("%s is not supported while sql_select_limit is set (%d): the proxy assembles its rows from lists the shards cut; SET sql_select_limit = DEFAULT", what, n)
}

// dateModes is what of the session's sql_mode decides whether a shard
// reads a date literal holding zeros (router.DateModes).
func (s *Session) dateModes() router.DateModes {
	s.readMode()
	return s.dates
}
