package backend

import (
	"context"
	"sort"
	"strings"
)

// Var is one session-scoped assignment as the client wrote it, kept so that
// any pooled connection can be brought to the session's state.
// Name is canonical: "@@session.<name>" or "@<user var>"; the character
// set is the three variables named by VarCharsetClient, VarCharsetResults
// and VarCollation.
type Var struct {
	Name  string
	Value string // SQL text of the value
}

// State is an immutable set of session assignments; Key makes comparison cheap.
type State struct {
	vars []Var
	key  string
	hot  hotValues
}

// hotValues are what every statement reads from a state (the parse of
// its text, the check of a prepared statement, the shard key's bytes),
// worked out once when the state is made: the lookups and the
// concatenation were 3-4 % of the proxy's user time per point select.
type hotValues struct {
	charsetKey, clientCharset string
	stmt                      stmtVars // its mode is the sql_mode assignment
	hasSQLMode                bool
}

// Key identifies the state; equal keys mean equal assignments.
func (s State) Key() string { return s.key }

// Vars lists the assignments sorted by name.
func (s State) Vars() []Var { return s.vars }

// With returns the state plus (or with a new value for) the given assignments.
func (s State) With(vs ...Var) State {
	m := make(map[string]string, len(s.vars)+len(vs))
	for _, v := range s.vars {
		m[v.Name] = v.Value
	}
	for _, v := range vs {
		m[v.Name] = v.Value
	}
	return newState(m)
}

// Without returns the state without the named assignment.
func (s State) Without(name string) State {
	m := make(map[string]string, len(s.vars))
	for _, v := range s.vars {
		if v.Name != name {
			m[v.Name] = v.Value
		}
	}
	return newState(m)
}

// Get returns the value of an assignment.
func (s State) Get(name string) (string, bool) {
	for _, v := range s.vars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

func newState(m map[string]string) State {
	vars := make([]Var, 0, len(m))
	for n, v := range m {
		vars = append(vars, Var{Name: n, Value: v})
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
	var b strings.Builder
	for _, v := range vars {
		b.WriteString(v.Name)
		b.WriteByte('=')
		b.WriteString(v.Value)
		b.WriteByte(0)
	}
	st := State{vars: vars, key: b.String()}
	st.hot = hotValues{charsetKey: st.charsetKey(), clientCharset: st.clientCharset()}
	st.hot.stmt.mode, st.hot.hasSQLMode = st.Get(VarSQLMode)
	st.hot.stmt.client, _ = st.Get(VarCharsetClient)
	st.hot.stmt.results, _ = st.Get(VarCharsetResults)
	st.hot.stmt.coll, _ = st.Get(VarCollation)
	return st
}

// VarSQLMode is the session's own sql_mode.
const VarSQLMode = "@@session.sql_mode"

// SQLMode returns the state's sql_mode assignment as recorded.
func (s State) SQLMode() (string, bool) { return s.hot.stmt.mode, s.hot.hasSQLMode }

// unsyncedCharset is the state of a connection fresh from its handshake:
// its character set is taken as unknown (a value no state holds), so that
// the first Sync always sets it.
func unsyncedCharset() State {
	m := make(map[string]string, len(charsetVarNames))
	for _, n := range charsetVarNames {
		m[n] = ""
	}
	return newState(m)
}

// resetValue is how an assignment is undone on a connection that another
// session used (checked on MariaDB 10.11); resetting avoids COM_RESET_CONNECTION, which would also drop
// the connection's cached prepared statements. A session without the
// character set variables (a handshake collation MariaDB does not know)
// gets the server's defaults, as MariaDB gives such a client.
func resetValue(name string) string {
	if strings.HasPrefix(name, "@@") {
		return "DEFAULT"
	}
	// A user variable set to NULL keeps its type (SELECT @v says BIGINT);
	// a binary NULL gives it the type of one never set (LONGBLOB).
	return "CAST(NULL AS BINARY)"
}

// SetStatements returns the statements that turn state from into state to
// (none when they are equal). The character set comes first, as a
// statement of its own: the server parses a statement in the character set
// in force before it runs, so string values in the other assignments must
// wait for it.
func SetStatements(from, to State) []string {
	if from.key == to.key {
		return nil
	}
	var rest []string
	for _, v := range from.vars {
		if _, ok := to.Get(v.Name); !ok && !isCharsetVar(v.Name) {
			rest = append(rest, v.Name+" = "+resetValue(v.Name))
		}
	}
	for _, v := range to.vars {
		if old, ok := from.Get(v.Name); (!ok || old != v.Value) && !isCharsetVar(v.Name) {
			rest = append(rest, v.Name+" = "+v.Value)
		}
	}
	var out []string
	if cs := charsetAssignments(from, to); len(cs) > 0 {
		out = append(out, "SET "+strings.Join(cs, ", "))
	}
	if len(rest) > 0 {
		out = append(out, "SET "+strings.Join(rest, ", "))
	}
	return out
}

// Sync brings the connection to the session's database and variables.
func (b *Conn) Sync(ctx context.Context, db string, st State) error {
	if err := b.endNextTxChars(ctx); err != nil {
		return err
	}
	if db != "" && db != b.db {
		if err := b.UseDB(ctx, db); err != nil {
			return err
		}
	}
	if b.vars.key == st.key {
		// Kept, not replaced by the equal state: its strings stay the ones
		// the statement cache's last key holds (Prepare compares them by
		// pointer first), whichever session's state the connection serves.
		return nil
	}
	if qs := SetStatements(b.vars, st); len(qs) > 0 {
		var err error
		if len(qs) == 1 {
			_, err = b.Exec(ctx, qs[0])
		} else {
			// One round trip: the server runs (and parses) them in order.
			if b.prefix != "" {
				err = b.sendPrefix(ctx)
			}
			if err == nil {
				err = b.ExecAll(ctx, qs...)
			}
		}
		if err != nil {
			// The connection may now hold part of the assignments.
			b.broken = true
			return err
		}
	}
	b.vars = st
	return nil
}

// resetNextTx assigns the session's own transaction characteristics, which
// ends a pending SET TRANSACTION (MariaDB 10.11 resets the next
// transaction's to the session's on such an assignment).
const resetNextTx = "SET @@session.tx_isolation = @@session.tx_isolation, @@session.tx_read_only = @@session.tx_read_only"

// NoteNextTxChars records that a SET TRANSACTION was sent for a statement
// that may leave it pending (an autocommit statement that uses no table,
// or fails before opening one): the next Sync ends it, so that it reaches
// no other transaction on c, another session's once c is pooled.
func (b *Conn) NoteNextTxChars() { b.nextTxSet = true }

// endNextTxChars ends a pending SET TRANSACTION (NoteNextTxChars).
func (b *Conn) endNextTxChars(ctx context.Context) error {
	if !b.nextTxSet {
		return nil
	}
	if _, err := b.Exec(ctx, resetNextTx); err != nil {
		b.broken = true
		return err
	}
	b.nextTxSet = false
	return nil
}

// AppliedState is the state last applied on the connection.
func (b *Conn) AppliedState() State { return b.vars }

// NoteState records a state the connection reached by running the client's
// own SET statement.
func (b *Conn) NoteState(st State) { b.vars = st }

// NoteDB records a database the connection switched to by itself.
func (b *Conn) NoteDB(db string) { b.db = db }
