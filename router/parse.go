package router

import (
	"fmt"
	"iter"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	// The parser needs a value-expression driver; test_driver is the
	// dependency-free one.
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// Parser classifies statements. It is safe for concurrent use: the TiDB
// parser is not, so instances are pooled.
type Parser struct {
	pool *sync.Pool
	mode Mode
}

// NewParser returns a ready Parser, which reads statements as MariaDB's
// default sql_mode does.
func NewParser() *Parser {
	return &Parser{pool: &sync.Pool{New: func() any { return parser.New() }}}
}

// Mode is the part of a session's sql_mode that changes how MariaDB reads
// a statement: ANSI_QUOTES, PIPES_AS_CONCAT, NO_BACKSLASH_ESCAPES,
// HIGH_NOT_PRECEDENCE and IGNORE_SPACE.
type Mode = mysql.SQLMode

// parseModes are the flags of Mode, by their sql_mode names.
var parseModes = [...]struct {
	name string
	mode Mode
}{
	{"ANSI_QUOTES", mysql.ModeANSIQuotes},
	{"PIPES_AS_CONCAT", mysql.ModePipesAsConcat},
	{"NO_BACKSLASH_ESCAPES", mysql.ModeNoBackslashEscapes},
	{"HIGH_NOT_PRECEDENCE", mysql.ModeHighNotPrecedence},
	{"IGNORE_SPACE", mysql.ModeIgnoreSpace},
}

// ModeOf reads the parsing flags of a sql_mode value (as @@sql_mode reads
// back: a comma-separated list, ANSI already expanded, maybe quoted).
func ModeOf(sqlMode string) Mode {
	var m Mode
	for f := range ModeFlags(sqlMode) {
		if f == "ANSI" {
			m |= mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeIgnoreSpace
		}
		for _, pm := range parseModes {
			if f == pm.name {
				m |= pm.mode
			}
		}
	}
	return m
}

// ModeFlags lists the flags of a sql_mode value, upper-cased.
func ModeFlags(sqlMode string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for f := range strings.SplitSeq(strings.ToUpper(strings.Trim(sqlMode, "'\"")), ",") {
			if !yield(strings.TrimSpace(f)) {
				return
			}
		}
	}
}

// In returns a Parser that reads statements as a session whose sql_mode
// has the flags m does.
func (p *Parser) In(m Mode) *Parser {
	if m == p.mode {
		return p
	}
	return &Parser{pool: p.pool, mode: m}
}

// Mode is the sql_mode flags p reads statements with.
func (p *Parser) Mode() Mode { return p.mode }

// lexMode is what of p's sql_mode the text lexer needs.
func (p *Parser) lexMode() sqllex.Mode { return lexModeOf(p.mode) }

// LexMode is how the statement's text reads (its quotes), as it was parsed.
func (st *Statement) LexMode() sqllex.Mode { return lexModeOf(st.Mode) }

func lexModeOf(m Mode) sqllex.Mode {
	return sqllex.Mode{ANSIQuotes: m&mysql.ModeANSIQuotes != 0, NoBackslashEscapes: m&mysql.ModeNoBackslashEscapes != 0}
}

// parse runs the TiDB parser. Its value driver panics on some literals (a
// decimal of hundreds of digits): that is a statement it cannot read, not
// a reason to drop the session. The parser returns its own result slice,
// which its next Parse overwrites: the nodes are copied out before it goes
// back to the pool, where another session takes it at once.
func (p *Parser) parse(sql string) (nodes []ast.StmtNode, err error) {
	tp := p.pool.Get().(*parser.Parser)
	defer func() {
		if r := recover(); r != nil {
			// The parser's state is unknown: do not reuse it.
			nodes, err = nil, fmt.Errorf("the SQL parser failed on this statement: %v", r)
			return
		}
		p.pool.Put(tp)
	}()
	tp.SetSQLMode(p.mode)
	text := hideTiDBComments(sql, p.mode)
	nodes, _, err = tp.Parse(text, "", "")
	if err == nil {
		markHexNumbers(nodes, text)
	}
	return slices.Clone(nodes), err
}

// Parse classifies one statement. Errors are only for refusals (several
// statements in one query); unparsable SQL is KindUnparsed.
func (p *Parser) Parse(sql string) (*Statement, error) {
	st, err := p.parseStatement(sql)
	if st != nil {
		st.Mode = p.mode
		st.noteChecks()
	}
	return st, err
}

func (p *Parser) parseStatement(sql string) (*Statement, error) {
	st := &Statement{SQL: sql}
	head := skipCommentsAndSpace(sql)
	if head == "" {
		st.Kind = KindEmpty
		if strings.Trim(sql, " \t\r\n;") != "" {
			st.Kind = KindComment
		}
		return st, nil
	}
	if isShowXAStatus(head) {
		st.Kind = KindShowXAStatus
		return st, nil
	}
	// The TiDB parser cannot parse XA statements, and the proxy owns XA.
	if isKeyword(head, "XA") {
		st.Kind = KindXA
		return st, nil
	}
	if k, n := plainTxStatement(head); n != nil {
		// BEGIN and COMMIT arrive with every transaction: no parser run.
		st.Kind, st.Node = k, n
		return st, nil
	}
	if st, ok := p.parseShowDiagLimit(st, head); ok {
		return st, nil
	}
	if base, list, ok := splitReturning(sql); ok {
		return p.parseReturning(st, base, list)
	}
	if base, vars, ok := splitIntoVars(sql); ok {
		if nodes, err := p.parse(base); err == nil && len(nodes) == 1 {
			classify(st, nodes[0])
			for _, v := range vars {
				st.AssignsVars = appendVarName(st.AssignsVars, v)
			}
			st.SelectInto = true
			// The tree lacks INTO: not a read the proxy can prove.
			st.PureRead, st.ReadTables = false, nil
			if st.FoundRows != FoundCalc {
				st.FoundRows = FoundReadBack // no rows sent: the rows matched
			}
			return st, nil
		}
	}
	if d := readRoutineDef(head, p.lexMode()); d != nil {
		// Read from its head, whether the parser could read it or not
		// (it reads CREATE and DROP PROCEDURE only), so that every
		// definition is routed and checked alike (routineplan.go).
		st.Kind, st.Routine = KindUnparsed, d
		st.ImplicitCommit = d.Verb != "show"
		st.ReadOnly = !st.ImplicitCommit
		// Its body's identity calls are the router's to refuse
		// (routines.go); DEFINER = CURRENT_USER names the definer.
		return st, nil
	}
	if isKeyword(head, "HANDLER") && classifyHandler(st, head) {
		st.Kind = KindUnparsed // the parser does not know HANDLER
		return st, nil
	}
	nodes, err := p.parse(sql)
	if err != nil {
		if alt, ok := valueFuncAsValues(sql); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
			}
		}
	}
	if err != nil {
		if alt, ok := viewAsCreate(head); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
			}
		}
	}
	if err != nil {
		if alt, ok := maintAsAnalyze(head); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
			}
		}
	}
	checksum := false
	if err != nil {
		if alt, ok := checksumAsAnalyze(head); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err, checksum = n, nil, true
			}
		}
	}
	for _, re := range []*regexp.Regexp{orReplaceHead, explainWordHead, rollbackWorkHead} {
		if err == nil {
			break
		}
		if alt, ok := blankedHead(re, sql, len(sql)-len(head)); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
			}
		}
	}
	if err != nil {
		if alt, ok := deleteOptionsForParser(sql, len(sql)-len(head)); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
			}
		}
	}
	if err != nil {
		if alt, wait, ok := lockWaitForParser(sql, p.lexMode()); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
				st.LockWait = wait
			}
		}
	}
	if err != nil {
		if alt, edits, ok := castTypesForParser(sql, p.mode&mysql.ModeNoBackslashEscapes == 0); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
				for _, n := range nodes {
					restoreFieldTexts(n, sql, edits)
				}
			}
		}
	}
	if err != nil {
		base := sql // CREATE OR REPLACE TABLE may have INVISIBLE columns
		if alt, ok := blankedHead(orReplaceHead, sql, len(sql)-len(head)); ok {
			base = alt
		}
		if alt, ok := invisibleAsNull(base, head, p.lexMode()); ok {
			if n, err2 := p.parse(alt); err2 == nil {
				nodes, err = n, nil
			}
		}
	}
	if err == nil && len(nodes) == 1 {
		if why := mysqlOnly(nodes[0], sql, p.lexMode()); why != nil {
			nodes, err = nil, why
		}
	}
	if err != nil {
		st.Kind = KindUnparsed
		st.ParseErr = err
		// SHOW PACKAGE STATUS reads information_schema (diagclear.go).
		st.ClearsDiag = unparsedListsRoutines(sql)
		st.LastResult, st.FoundRows = unparsedLastResult(head)
		st.Identity = unparsedIdentity(head)
		if unparsedMayLeaveState(sql) {
			st.ConnState = ConnStateUnknown
		}
		return st, nil
	}
	if len(nodes) == 0 {
		st.Kind = KindEmpty
		return st, nil
	}
	if len(nodes) > 1 {
		return nil, errMultiStatement()
	}
	classify(st, nodes[0])
	if checksum {
		// A read: no implicit commit (tablemaint.go).
		st.Checksum, st.ImplicitCommit, st.ReadOnly = true, false, true
	}
	return st, nil
}

func classify(st *Statement, n ast.StmtNode) {
	n.Accept(internalFuncs{})
	st.Node = n
	numberParams(n)
	var lockFuncs map[string]bool
	st.Tables, lockFuncs, st.LastInsertID, st.DiagRead = collectTables(n)
	if _, set := n.(*ast.SetStmt); !set {
		st.AssignsVars = assignedVars(n)
	}
	if sh, ok := n.(*ast.ShowStmt); ok && (sh.Tp == ast.ShowWarnings || sh.Tp == ast.ShowErrors) {
		st.DiagRead = true
	}
	st.ClearsDiag = !st.DiagRead && clearsDiagnostics(n, st.Tables)
	if _, call := n.(*ast.CallStmt); call {
		// A procedure's INSERT sets the connection's LAST_INSERT_ID(),
		// which stays set after the CALL (a function's or trigger's is
		// restored when it returns): read back like LAST_INSERT_ID(expr).
		st.LastInsertID |= LastIDSets
	}
	st.ConnState = connState(n, lockFuncs)
	st.Funcs = calledFuncs(n)
	st.ReadTables, st.PureRead = pureReadTables(st.SQL, n)
	st.LastResult, st.FoundRows = lastResultUse(n), foundRowsEffect(n)
	st.Identity = identityUse(n)
	switch x := n.(type) {
	case *ast.BeginStmt:
		st.Kind = KindBegin
	case *ast.CommitStmt:
		st.Kind = KindCommit
	case *ast.RollbackStmt:
		if x.SavepointName != "" {
			st.Kind = KindSavepoint
		} else {
			st.Kind = KindRollback
		}
	case *ast.SavepointStmt, *ast.ReleaseSavepointStmt:
		st.Kind = KindSavepoint
	case *ast.SetStmt:
		st.Kind = KindSet
	case *ast.UseStmt:
		st.Kind = KindUse
	case *ast.ShowStmt:
		st.ReadOnly = true
		if x.Tp == ast.ShowDatabases {
			st.Kind = KindShowDatabases
		}
	case *ast.SelectStmt:
		st.ReadOnly = x.LockInfo == nil && x.SelectIntoOpt == nil
		st.ForUpdate = locksForUpdate(x)
	case *ast.SetOprStmt:
		st.ReadOnly = true
		st.ForUpdate = locksForUpdate(x)
	case *ast.ExplainStmt:
		// EXPLAIN plans without running (ANALYZE runs the statement).
		st.ReadOnly = !x.Analyze
	}
	switch n.(type) {
	case ast.DDLNode, *ast.LockTablesStmt,
		*ast.CreateUserStmt, *ast.DropUserStmt, *ast.AlterUserStmt, *ast.GrantStmt,
		*ast.RevokeStmt, *ast.AnalyzeTableStmt:
		// Temporary tables are the exception: MariaDB commits nothing for
		// them. UNLOCK TABLES commits only while tables are locked: the
		// session decides.
		_, unlock := n.(*ast.UnlockTablesStmt)
		st.ImplicitCommit = !temporary(n) && !unlock
	}
}

// temporary: CREATE or DROP of a TEMPORARY table.
func temporary(n ast.StmtNode) bool {
	switch x := n.(type) {
	case *ast.CreateTableStmt:
		return x.TemporaryKeyword != ast.TemporaryNone
	case *ast.DropTableStmt:
		return x.TemporaryKeyword != ast.TemporaryNone
	}
	return false
}

// connState classifies what n does to state living in its connection;
// lockFuncs are the user-level lock functions it calls.
func connState(n ast.StmtNode, lockFuncs map[string]bool) ConnState {
	switch x := n.(type) {
	case *ast.CreateTableStmt:
		if x.TemporaryKeyword != ast.TemporaryNone {
			return ConnStateTempCreate
		}
	case *ast.DropTableStmt:
		if !x.IsView {
			return ConnStateTempDrop
		}
	case *ast.LockTablesStmt:
		return ConnStateLockTables
	case *ast.UnlockTablesStmt:
		return ConnStateUnlockTables
	}
	switch {
	case lockFuncs["get_lock"]:
		return ConnStateUserLock
	case lockFuncs["release_all_locks"]:
		return ConnStateUserLockRelease
	case len(lockFuncs) > 0:
		return ConnStateUserLockQuery
	}
	return ConnStateNone
}

// SkipComments drops leading white space, semicolons and comments, keeping
// executable comments (/*! ... */), which MySQL runs.
func SkipComments(s string) string { return skipCommentsAndSpace(s) }

func skipCommentsAndSpace(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n;")
		switch {
		case strings.HasPrefix(s, "/*!"), strings.HasPrefix(s, "/*M!"):
			return s
		case strings.HasPrefix(s, "/*"):
			end := strings.Index(s[2:], "*/")
			if end < 0 {
				return ""
			}
			s = s[end+4:]
		case sqllex.IsDashComment(s), strings.HasPrefix(s, "#"):
			end := strings.IndexByte(s, '\n')
			if end < 0 {
				return ""
			}
			s = s[end+1:]
		default:
			return s
		}
	}
}

// isKeyword tells whether s starts with the keyword kw as a whole word.
func isKeyword(s, kw string) bool {
	if len(s) < len(kw) || !strings.EqualFold(s[:len(kw)], kw) {
		return false
	}
	if len(s) == len(kw) {
		return true
	}
	c := s[len(kw)]
	return !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// numberParams gives each ? marker its position among the statement's
// parameters (the parser records only byte offsets).
func numberParams(n ast.Node) { numberParamsFrom(n, 0) }

// numberParamsFrom numbers the markers of n from first on.
func numberParamsFrom(n ast.Node, first int) {
	f := &markerFinder{}
	n.Accept(f)
	sort.Slice(f.markers, func(i, j int) bool { return f.markers[i].Offset < f.markers[j].Offset })
	for i, m := range f.markers {
		m.SetOrder(first + i)
	}
}

type markerFinder struct{ markers []*driver.ParamMarkerExpr }

func (f *markerFinder) Enter(n ast.Node) (ast.Node, bool) {
	if m, ok := n.(*driver.ParamMarkerExpr); ok {
		f.markers = append(f.markers, m)
	}
	return n, false
}

func (f *markerFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// isShowXAStatus recognises the proxy's own SHOW XA STATUS.
func isShowXAStatus(s string) bool {
	f := strings.Fields(strings.TrimRight(strings.TrimSpace(s), ";"))
	return len(f) == 3 && strings.EqualFold(f[0], "SHOW") && strings.EqualFold(f[1], "XA") && strings.EqualFold(f[2], "STATUS")
}

// rollbackWorkHead is ROLLBACK WORK TO [SAVEPOINT] name, which MariaDB
// reads as ROLLBACK TO and the TiDB parser refuses.
var rollbackWorkHead = regexp.MustCompile(`(?is)^ROLLBACK\s+(WORK)\s+TO\s`)

// plainTxStatement recognises the bare transaction statements (BEGIN,
// START TRANSACTION, COMMIT, ROLLBACK, with an optional semicolon), which
// carry no options; anything longer goes to the parser.
func plainTxStatement(s string) (Kind, ast.StmtNode) {
	s = strings.TrimRight(s, " \t\r\n;")
	switch {
	case strings.EqualFold(s, "BEGIN"), strings.EqualFold(s, "START TRANSACTION"), strings.EqualFold(s, "BEGIN WORK"):
		return KindBegin, &ast.BeginStmt{}
	case strings.EqualFold(s, "COMMIT"), strings.EqualFold(s, "COMMIT WORK"):
		return KindCommit, &ast.CommitStmt{}
	case strings.EqualFold(s, "ROLLBACK"), strings.EqualFold(s, "ROLLBACK WORK"):
		return KindRollback, &ast.RollbackStmt{}
	}
	return 0, nil
}
