package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// set runs a SET statement. The proxy keeps every session-scoped assignment
// so that whichever pooled connection serves the session next gets it too;
// autocommit is the proxy's own business and never reaches a shard.
func (s *Session) set(ctx context.Context, st *router.Statement) error {
	n := st.Node.(*ast.SetStmt)
	if err := s.endUnstartedTx(ctx, n, st.SQL); err != nil {
		return s.writeErr(err)
	}
	if len(st.Tables) > 0 || len(st.Funcs) > 0 {
		// A value may read tables or call routines, on the one shard the
		// SET runs on.
		if err := s.checkTables(st); err != nil {
			return s.writeErr(err)
		}
		if err := s.srv.router.CheckSetReads(st, s.user, s.db, s.setShard()); err != nil {
			return s.writeErr(err)
		}
	}
	var (
		parts      []string
		next       = s.vars
		autocommit *bool
		// charsetSet: the statement changes the character set, which is
		// recorded by reading it back after the statement ran, so that the
		// record holds values (whatever defaults, aliases or order of
		// assignments gave them) and is replayed in one independent piece.
		charsetSet charsetChange
		nextTx     = s.nextTx
		// sessionMode, sessionIso: the session's access mode or isolation
		// level is set (sessionReplacesTaken).
		sessionMode, sessionIso bool
		// readBack: the variables assigned, read back after the SET and
		// recorded by value (varvalue.go).
		readBack []string
	)
	for _, a := range n.Variables {
		if a.IsGlobal {
			return s.writeErr(s.globalSetError(ctx, n.Variables))
		}
	}
	for _, a := range n.Variables {
		value, err := router.Restore(a.Value)
		if err != nil {
			return s.writeErr(errNotSupported("cannot re-encode the value of %s: %v", a.Name, err))
		}
		switch {
		case a.Name == ast.SetNames:
			v := value
			if a.ExtendValue != nil {
				col, err := router.Restore(a.ExtendValue)
				if err != nil {
					return s.writeErr(errNotSupported("cannot re-encode the collation: %v", err))
				}
				v += " COLLATE " + col
			}
			parts = append(parts, "NAMES "+v)
			charsetSet = resultsChanged
		case a.Name == ast.SetCharset:
			// MariaDB: client and results become the charset, the
			// connection gets @@character_set_database; read back below.
			parts = append(parts, "CHARACTER SET "+value)
			charsetSet = resultsChanged
		case a.IsSystem && isCharsetVar(a.Name):
			parts = append(parts, "@@session."+strings.ToLower(a.Name)+" = "+value)
			if strings.EqualFold(a.Name, "character_set_results") {
				charsetSet = resultsChanged
			} else {
				charsetSet = max(charsetSet, charsetChanged)
			}
		case a.Name == "tx_isolation_one_shot" || (a.Name == "tx_read_only" && oneShotTransaction(st.SQL)) || oneShotVar(a, value, st):
			// For the next transaction only: the proxy applies it.
			if s.inTransaction() {
				return s.writeErr(errTxInProgress())
			}
			// Each characteristic is pending on its own: SET TRANSACTION
			// ISOLATION LEVEL leaves a pending READ ONLY (MariaDB 10.11).
			switch {
			case a.Name == "tx_isolation_one_shot":
				nextTx.isolation = isolationLevel(value)
			case strings.EqualFold(a.Name, "tx_isolation"):
				nextTx.isolation = oneShotLevel(value)
			default:
				ro, _ := parseBool(value)
				nextTx.readOnly = &ro
			}
		case a.IsSystem && a.Name == "tx_read_only":
			// The parser renders READ ONLY as '1', which MariaDB refuses
			// for a boolean variable.
			// The session's value is also the next transaction's.
			nextTx.readOnly = nil
			sessionMode = true
			next = next.With(backend.Var{Name: "@@session.tx_read_only", Value: strings.Trim(value, "'")})
			parts = append(parts, "@@session.tx_read_only = "+strings.Trim(value, "'"))
		case strings.EqualFold(a.Name, "xaproxy_locking_reads"):
			on, ok := parseBool(value)
			if !ok {
				return s.writeErr(mysql.NewError(mysql.ER_WRONG_VALUE_FOR_VAR, fmt.Sprintf("Variable 'xaproxy_locking_reads' can't be set to the value of '%s' (ON or OFF)", value)))
			}
			s.lockReads = on
		case a.IsSystem && strings.EqualFold(a.Name, "autocommit"):
			on, err := s.autocommitValue(ctx, value)
			if err != nil {
				return s.writeErr(err)
			}
			autocommit = &on
		case a.IsSystem && strings.EqualFold(a.Name, "sql_auto_is_null") && autoIsNullOn(value):
			return s.writeErr(errNotSupported("sql_auto_is_null = 1 is not supported: the session's statements run on pooled shard connections, where WHERE id IS NULL would not find its last inserted row; read LAST_INSERT_ID() instead"))
		case a.IsSystem && isLastIDVar(a.Name):
			// LAST_INSERT_ID() is the session's, kept by the proxy
			// (lastinsert.go), not a variable to replay: the shard checks
			// and converts the value, which is read back as the session's.
			parts = append(parts, lastIDVar+" = "+value)
			readBack = appendName(readBack, lastIDVar)
		case a.IsSystem:
			if isIsolationVar(a.Name) {
				nextTx.isolation = "" // the session's level is the next transaction's too
				sessionIso = true
			}
			name := "@@session." + strings.ToLower(a.Name)
			if strings.EqualFold(value, "DEFAULT") {
				next = next.Without(name)
			} else {
				next = next.With(backend.Var{Name: name, Value: value})
				readBack = appendName(readBack, name)
			}
			parts = append(parts, name+" = "+value)
		default:
			name := "@" + strings.ToLower(a.Name)
			next = next.With(backend.Var{Name: name, Value: value})
			readBack = appendName(readBack, name)
			parts = append(parts, name+" = "+value)
		}
	}
	var warnings uint16
	if len(parts) > 0 {
		// Run the assignments once so that the shard validates them and the
		// client gets the shard's error for a bad name or value.
		var err error
		// A value that reads tables or calls routines runs in the open
		// transaction, as on MariaDB: its reads see the transaction's
		// snapshot and its writes roll back with it.
		joinTx := len(st.Tables) > 0 || len(st.Funcs) > 0
		if warnings, err = s.applySet(ctx, "SET "+strings.Join(parts, ", "), next, charsetSet, readBack, joinTx); err != nil {
			return s.writeErr(err)
		}
	}
	s.nextTx = nextTx
	if err := s.sessionReplacesTaken(ctx, sessionMode, sessionIso); err != nil {
		return s.writeErr(err)
	}
	if autocommit != nil {
		if *autocommit && !s.autocommit && s.tx != nil {
			// As in MySQL: switching autocommit on commits the open
			// transaction. MariaDB 10.11 does not end SET TRANSACTION's
			// characteristics there (checked): the next transaction has
			// them again (leftPending).
			took := s.leftPending(s.tx)
			if err := s.endTx(ctx, true); err != nil {
				return s.writeErr(err)
			}
			if took.set() {
				s.nextTx = took
			}
		}
		s.autocommit = *autocommit
		// Shards see the session's autocommit too, so that SELECT
		// @@autocommit answers what the client set; the proxy still opens
		// every transaction branch with an explicit BEGIN.
		if s.autocommit {
			s.vars = s.vars.Without("@@session.autocommit")
		} else {
			s.vars = s.vars.With(backend.Var{Name: "@@session.autocommit", Value: "0"})
		}
	}
	return s.writeOKStatus(0, 0, s.status(0), warnings, "")
}

// charsetChange is what a SET does to the session's character set.
type charsetChange int

const (
	charsetKept    charsetChange = iota
	charsetChanged               // client or connection: read back
	// resultsChanged: character_set_results too, which also gives the
	// number of the session's column definitions (coldef.go).
	resultsChanged
)

// setShard is where a SET runs: the session's default shard, or the first
// shard of its transaction.
func (s *Session) setShard() string {
	if s.tx != nil && len(s.tx.order) > 0 {
		return s.tx.order[0]
	}
	return s.srv.router.DefaultShard(s.db)
}

// applySet runs a SET on the session's connection to its default shard and
// records the new state, with the character set read back when cs says it
// changed and the values of the variables in readBack. It returns how
// many warnings the SET raised (a value truncated to the variable's range,
// a deprecated variable), which become the session's conditions as on
// MariaDB. joinTx: the SET must run in the session's transaction (open,
// or begun by autocommit = 0), joining it on its shard if need be.
func (s *Session) applySet(ctx context.Context, sql string, next backend.State, cs charsetChange, readBack []string, joinTx bool) (uint16, error) {
	shard := s.setShard()
	pinned := s.tx != nil && s.tx.branches[shard] != nil
	var c *backend.Conn
	if !pinned && joinTx && (s.tx != nil || !s.autocommit) {
		var held bool // connFor's: the branch, or the session's pin
		var err error
		if c, held, err = s.connFor(ctx, shard); err != nil {
			return 0, err
		}
		if !held {
			defer s.releaseUnlessPinned(c)
		}
	} else if pinned {
		c = s.tx.branches[shard]
		s.tx.markWrote(shard) // SET x = f(): a stored function may write
		if err := c.Sync(ctx, s.physicalDB(), s.shardState()); err != nil {
			return 0, shardErr(shard, err)
		}
	} else {
		var err error
		if c, err = s.acquire(ctx, shard); err != nil {
			return 0, err
		}
		defer s.release(c)
	}
	res, err := c.Exec(ctx, sql)
	if err != nil {
		if _, ok := backend.ServerError(err); ok {
			// The statement failed as a whole; nothing was assigned.
			return 0, err
		}
		return 0, errShardUnavailable(shard, err)
	}
	// Read before the read-backs below, which would clear them.
	s.noteWarnings(ctx, c, res.Warnings)
	vals, err := readVars(ctx, c, readBack)
	if err == nil {
		vals, err = s.takeSetLastID(c, vals)
	}
	if err != nil {
		// The SET ran but what it gave is unknown.
		c.MarkBroken()
		return 0, shardErr(shard, err)
	}
	next = next.With(vals...)
	label := s.colLabel
	if cs != charsetKept {
		vs, l, err := c.ReadCharset(ctx)
		if err != nil {
			// The SET ran but its result is unknown: the connection must
			// not serve anyone with a wrong record.
			c.MarkBroken()
			if _, ok := backend.ServerError(err); ok {
				return 0, err
			}
			return 0, errShardUnavailable(shard, err)
		}
		next = next.With(vs...)
		if cs == resultsChanged {
			label = l
		}
	}
	c.NoteState(next)
	s.vars, s.colLabel = next, label
	return res.Warnings, nil
}

// setCharsetUnparsed runs a SET NAMES or SET CHARACTER SET that the
// parser rejected because it names a character set MariaDB has and the
// parser does not (cp1251, koi8r, ...). Sent to a shard unrecorded, it
// would change the character set of a pooled connection behind the
// session state's back; here it runs as any SET and the character set it
// gave is read back. handled is false for any other statement, which the
// caller treats as before; when true, the client has its answer.
func (s *Session) setCharsetUnparsed(ctx context.Context, sql string) (handled bool, err error) {
	if !isCharsetSetText(sql) {
		return false, nil
	}
	warnings, err := s.applySet(ctx, sql, s.vars, resultsChanged, nil, false)
	if err != nil {
		return true, s.writeErr(err)
	}
	return true, s.writeOKStatus(0, 0, s.status(0), warnings, "")
}

// isCharsetSetText tells a lone SET NAMES / SET CHARACTER SET / SET
// CHARSET, with nothing else assigned (no comma) and no second statement.
func isCharsetSetText(sql string) bool {
	if strings.ContainsAny(sql, ",;") {
		return false
	}
	f := strings.Fields(strings.ToUpper(sql))
	if len(f) < 3 || f[0] != "SET" {
		return false
	}
	switch f[1] {
	case "NAMES", "CHARSET":
		return true
	case "CHARACTER":
		return f[2] == "SET" && len(f) >= 4
	}
	return false
}

// isCharsetVar tells the session variables that make up the connection
// character set (character_set_connection is derived from, and resets,
// collation_connection).
func isCharsetVar(name string) bool {
	switch strings.ToLower(name) {
	case "character_set_client", "character_set_connection", "character_set_results", "collation_connection":
		return true
	}
	return false
}

func parseBool(v string) (bool, bool) {
	return boolWord(strings.Trim(v, "'\""))
}

// boolWord reads 1, ON, TRUE, 0, OFF, FALSE (any case).
func boolWord(v string) (bool, bool) {
	switch strings.ToUpper(v) {
	case "1", "ON", "TRUE":
		return true, true
	case "0", "OFF", "FALSE":
		return false, true
	}
	return false, false
}

// autoIsNullOn tells whether a value given to sql_auto_is_null may turn it
// on: anything but OFF, 0, FALSE or DEFAULT (an expression too).
func autoIsNullOn(value string) bool {
	if strings.EqualFold(value, "DEFAULT") {
		return false
	}
	on, ok := parseBool(value)
	return !ok || on
}
