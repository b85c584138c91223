package backend

import (
	"context"
	"fmt"
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
	return State{vars: vars, key: b.String()}
}

// The connection character set is three independent session variables,
// always carried explicitly: a backend connection never keeps what its
// handshake or the server default gave it. character_set_connection is not
// one of them: MariaDB derives it from collation_connection, and setting it
// separately would reset the collation.
const (
	VarCharsetClient  = "@@session.character_set_client"
	VarCharsetResults = "@@session.character_set_results"
	VarCollation      = "@@session.collation_connection"
)

var charsetVarNames = [...]string{VarCharsetClient, VarCharsetResults, VarCollation}

func isCharsetVar(name string) bool {
	return name == VarCharsetClient || name == VarCharsetResults || name == VarCollation
}

// CharsetVars is the character set a client gets from its handshake
// collation: charset for client and results, the collation (a name or an
// id, which MariaDB accepts for collation_connection) for the connection.
func CharsetVars(charset, collation string) []Var {
	return []Var{
		{Name: VarCharsetClient, Value: Quote(charset)},
		{Name: VarCharsetResults, Value: Quote(charset)},
		{Name: VarCollation, Value: collation},
	}
}

// Quote makes s a SQL string literal.
func Quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

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
	var cs, rest []string
	for _, v := range from.vars {
		if _, ok := to.Get(v.Name); !ok {
			if isCharsetVar(v.Name) {
				cs = append(cs, v.Name+" = "+resetValue(v.Name))
			} else {
				rest = append(rest, v.Name+" = "+resetValue(v.Name))
			}
		}
	}
	for _, v := range to.vars {
		if old, ok := from.Get(v.Name); !ok || old != v.Value {
			if isCharsetVar(v.Name) {
				cs = append(cs, v.Name+" = "+v.Value)
			} else {
				rest = append(rest, v.Name+" = "+v.Value)
			}
		}
	}
	var out []string
	if len(cs) > 0 {
		out = append(out, "SET "+strings.Join(cs, ", "))
	}
	if len(rest) > 0 {
		out = append(out, "SET "+strings.Join(rest, ", "))
	}
	return out
}

// charsetQuery reads the character set back by value; the casts keep the
// names out of character_set_results, which may be one (ucs2) that would
// re-encode them. The empty string is a non-binary column: its definition
// carries the number of character_set_results' collation.
const charsetQuery = "SELECT CAST(@@session.character_set_client AS BINARY), CAST(@@session.character_set_results AS BINARY), CAST(@@session.collation_connection AS BINARY), ''"

// ReadCharset reads the connection's character set variables, to record
// them by value after a statement that changed them (SET NAMES, SET
// CHARACTER SET, SET character_set_*), whatever order or defaults the
// statement involved. label is the character set number the connection
// now puts in non-binary column definitions: x's default collation after
// SET character_set_results = x, but y after SET NAMES x COLLATE y, which
// no assignment can give another connection; 0 when character_set_results
// is NULL (columns keep their own collations).
func (b *Conn) ReadCharset(ctx context.Context) (vs []Var, label uint16, err error) {
	r, err := b.Exec(ctx, charsetQuery)
	if err != nil {
		return nil, 0, err
	}
	if r == nil || r.Resultset == nil || r.RowNumber() != 1 || r.ColumnNumber() != len(charsetVarNames)+1 {
		b.broken = true
		return nil, 0, fmt.Errorf("shard %s: unexpected answer reading the character set", b.shard)
	}
	vs = make([]Var, len(charsetVarNames))
	for i, n := range charsetVarNames {
		vs[i].Name = n
		if null, _ := r.IsNull(0, i); null {
			vs[i].Value = "NULL" // character_set_results = NULL: no conversion
			continue
		}
		s, err := r.GetString(0, i)
		if err != nil {
			return nil, 0, fmt.Errorf("shard %s: reading the character set: %w", b.shard, err)
		}
		vs[i].Value = Quote(s)
	}
	if vs[1].Value != "NULL" {
		label = r.Fields[len(charsetVarNames)].Charset
	}
	return vs, label, nil
}

// Sync brings the connection to the session's database and variables.
func (b *Conn) Sync(ctx context.Context, db string, st State) error {
	if db != "" && db != b.db {
		if err := b.UseDB(ctx, db); err != nil {
			return err
		}
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

// AppliedState is the state last applied on the connection.
func (b *Conn) AppliedState() State { return b.vars }

// NoteState records a state the connection reached by running the client's
// own SET statement.
func (b *Conn) NoteState(st State) { b.vars = st }

// NoteDB records a database the connection switched to by itself.
func (b *Conn) NoteDB(db string) { b.db = db }
