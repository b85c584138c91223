package backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// The connection character set is three independent session variables,
// always carried explicitly: a backend connection never keeps what its
// handshake or the server default gave it. character_set_connection is not
// one of them: MariaDB derives it from collation_connection, and setting it
// separately would reset the collation.
//
// character_set_client and character_set_results hold a collation, not
// just a character set: the handshake and SET NAMES x COLLATE y give them
// y itself, an assignment by name gives the character set's default. The
// difference shows: a prepared statement's string parameter has
// character_set_client's collation (when the connection has the same
// character set), result columns are labelled with character_set_results'.
// So the state records each as CharsetValue says, and replays a
// non-default collation with SET NAMES (charsetAssignments).
const (
	VarCharsetClient  = "@@session.character_set_client"
	VarCharsetResults = "@@session.character_set_results"
	VarCollation      = "@@session.collation_connection"
)

var charsetVarNames = [...]string{VarCharsetClient, VarCharsetResults, VarCollation}

func isCharsetVar(name string) bool {
	return name == VarCharsetClient || name == VarCharsetResults || name == VarCollation
}

// collateSep separates the character set from the collation in a recorded
// value of character_set_client or character_set_results.
const collateSep = " COLLATE "

// CharsetValue is how the state records character_set_client or
// character_set_results holding collation (of charset): the character
// set's name when it is its default collation, which an assignment by name
// gives, else the name with the collation, which only SET NAMES ...
// COLLATE (or a handshake) gives.
func CharsetValue(charset, collation string, isDefault bool) string {
	if isDefault {
		return Quote(charset)
	}
	return Quote(charset) + collateSep + Quote(collation)
}

// splitCharsetValue undoes CharsetValue; collation is "" for a default
// collation, and ok false for a value that names no character set (NULL).
func splitCharsetValue(v string) (charset, collation string, ok bool) {
	cs, coll, found := strings.Cut(v, collateSep)
	if !strings.HasPrefix(cs, "'") {
		return "", "", false
	}
	if found {
		collation = unquote(coll)
	}
	return unquote(cs), collation, true
}

// ClientCharset is the character set of st's character_set_client, "" when
// st holds none (the server's default).
func (st State) ClientCharset() string { return st.hot.clientCharset }

func (st State) clientCharset() string {
	v, ok := st.Get(VarCharsetClient)
	if !ok {
		return ""
	}
	cs, _, ok := splitCharsetValue(v)
	if !ok {
		return ""
	}
	return cs
}

// CharsetKey tells st's character set apart from another's: its
// character_set_client and collation_connection (which gives
// character_set_connection) as recorded.
func (st State) CharsetKey() string {
	if st.key == "" { // no assignment, the zero State included
		return "|"
	}
	return st.hot.charsetKey
}

func (st State) charsetKey() string {
	client, _ := st.Get(VarCharsetClient)
	coll, _ := st.Get(VarCollation)
	return client + "|" + coll
}

// Quote makes s a SQL string literal.
func Quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

// unquote undoes Quote for a name (names hold no quotes or backslashes).
func unquote(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(s, "'"), "'")
}

// CharsetVars is the character set a client gets from its handshake
// collation: all three variables hold the collation itself.
func CharsetVars(charset, collation string, isDefault bool) []Var {
	v := CharsetValue(charset, collation, isDefault)
	return []Var{
		{Name: VarCharsetClient, Value: v},
		{Name: VarCharsetResults, Value: v},
		{Name: VarCollation, Value: Quote(collation)},
	}
}

// charsetAssignments returns the assignments (for one SET, run in order)
// that turn the character set of from into that of to; none when equal. A
// non-default collation of client or results can only come from SET NAMES
// x COLLATE y, which sets all three; the variables that differ from y are
// then assigned after it. MariaDB gives client and results non-default
// collations only together and only the same one (by SET NAMES or the
// handshake; a later assignment gives a default), so one SET NAMES
// suffices; were they two different ones, results would get its character
// set's default.
func charsetAssignments(from, to State) []string {
	if sameCharset(from, to) {
		return nil
	}
	var out []string
	held := from.Get
	if cs, coll := namesCollation(to); coll != "" {
		out = append(out, "NAMES "+Quote(cs)+collateSep+Quote(coll))
		v := CharsetValue(cs, coll, false)
		byNames := map[string]string{VarCharsetClient: v, VarCharsetResults: v, VarCollation: Quote(coll)}
		held = func(n string) (string, bool) { v, ok := byNames[n]; return v, ok }
	}
	for _, n := range charsetVarNames {
		old, had := held(n)
		v, ok := to.Get(n)
		switch {
		case !ok && had:
			out = append(out, n+" = "+resetValue(n))
		case ok && (!had || old != v):
			out = append(out, n+" = "+assignable(v))
		}
	}
	return out
}

func sameCharset(a, b State) bool {
	for _, n := range charsetVarNames {
		av, aok := a.Get(n)
		bv, bok := b.Get(n)
		if aok != bok || av != bv {
			return false
		}
	}
	return true
}

// namesCollation is the non-default collation of client or results, which
// SET NAMES must give; "" when both hold defaults (or NULL).
func namesCollation(st State) (charset, collation string) {
	for _, n := range []string{VarCharsetClient, VarCharsetResults} {
		v, _ := st.Get(n)
		if cs, coll, ok := splitCharsetValue(v); ok && coll != "" {
			return cs, coll
		}
	}
	return "", ""
}

// assignable is a recorded value as an assignment can give it.
func assignable(v string) string {
	if cs, coll, ok := splitCharsetValue(v); ok && coll != "" {
		return Quote(cs)
	}
	return v
}

// charsetQuery reads the character set back by value; the casts keep the
// names out of character_set_results, which may be one (ucs2) that would
// re-encode them. The empty string is a non-binary column: its definition
// carries the number of character_set_results' collation.
const charsetQuery = "SELECT CAST(@@session.character_set_client AS BINARY), CAST(@@session.character_set_results AS BINARY), CAST(@@session.collation_connection AS BINARY), CAST(@@session.character_set_connection AS BINARY), '' LIMIT 1"

// ReadCharset reads the connection's character set variables, to record
// them by value after a statement that changed them (SET NAMES, SET
// CHARACTER SET, SET character_set_*), whatever order or defaults the
// statement involved, collations included (probeCollations). label is the
// character set number the connection now puts in non-binary column
// definitions: character_set_results' collation; 0 when
// character_set_results is NULL (columns keep their own collations).
func (b *Conn) ReadCharset(ctx context.Context) (vs []Var, label uint16, err error) {
	r, err := b.Exec(ctx, charsetQuery)
	if err != nil {
		return nil, 0, err
	}
	if r == nil || r.Resultset == nil || r.RowNumber() != 1 || r.ColumnNumber() != 5 {
		b.broken = true
		return nil, 0, fmt.Errorf("shard %s: unexpected answer reading the character set", b.shard)
	}
	var names [4]string
	resultsNull, _ := r.IsNull(0, 1)
	for i := range names {
		if i == 1 && resultsNull {
			continue
		}
		if names[i], err = r.GetString(0, i); err != nil {
			return nil, 0, fmt.Errorf("shard %s: reading the character set: %w", b.shard, err)
		}
	}
	if !resultsNull {
		label = r.Fields[4].Charset
	}
	p, err := b.probeCollations(ctx, names[0], names[3], names[2], label)
	if err != nil {
		return nil, 0, err
	}
	results := "NULL" // character_set_results = NULL: no conversion
	if !resultsNull {
		if p.results == "" {
			b.broken = true
			return nil, 0, fmt.Errorf("shard %s: character_set_results has collation %d, which the server does not list", b.shard, label)
		}
		results = CharsetValue(names[1], p.results, p.resultsDefault)
	}
	return []Var{
		{Name: VarCharsetClient, Value: CharsetValue(names[0], p.client, p.clientDefault)},
		{Name: VarCharsetResults, Value: results},
		{Name: VarCollation, Value: Quote(names[2])},
	}, label, nil
}

// collations is what probeCollations finds.
type collations struct {
	client, results               string
	clientDefault, resultsDefault bool
}

// probeSQL reads the collation of a string parameter, which is
// character_set_client's while the connection has the same character set,
// and the name of the collation numbered %d (character_set_results'), each
// with whether it is its character set's default. The names are binary so
// that character_set_results does not re-encode them.
const probeSQL = "SELECT CAST(COLLATION(?) AS BINARY), " +
	"(SELECT IS_DEFAULT = 'Yes' FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE FULL_COLLATION_NAME = COLLATION(?)), " +
	"(SELECT CAST(FULL_COLLATION_NAME AS BINARY) FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ID = %d), " +
	"(SELECT IS_DEFAULT = 'Yes' FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ID = %d) LIMIT 1"

// probeCollations finds the collations of character_set_client and of
// character_set_results (numbered label). The client's shows only in a
// prepared statement's string parameter, and only while the connection
// has the client's character set (the parameter is converted to the
// connection's collation otherwise), so for the probe the connection is
// given the client's character set, then its collation conn back.
func (b *Conn) probeCollations(ctx context.Context, clientCS, connCS, conn string, label uint16) (collations, error) {
	var p collations
	switched := clientCS != connCS
	if switched {
		if _, err := b.Exec(ctx, "SET @@session.character_set_connection = "+Quote(clientCS)); err != nil {
			b.broken = true
			return p, err
		}
	}
	r, err := b.execProbe(ctx, fmt.Sprintf(probeSQL, label, label))
	if err != nil {
		b.broken = true
		return p, err
	}
	if switched {
		if _, err := b.Exec(ctx, "SET @@session.collation_connection = "+Quote(conn)); err != nil {
			b.broken = true
			return p, err
		}
	}
	if r == nil || r.Resultset == nil || r.RowNumber() != 1 || r.ColumnNumber() != 4 {
		b.broken = true
		return p, fmt.Errorf("shard %s: unexpected answer probing the collations", b.shard)
	}
	p.client, _ = r.GetString(0, 0)
	p.results, _ = r.GetString(0, 2)
	d, _ := r.GetInt(0, 1)
	p.clientDefault = d == 1
	d, _ = r.GetInt(0, 3)
	p.resultsDefault = d == 1
	if p.client == "" {
		b.broken = true
		return p, fmt.Errorf("shard %s: the collation of character_set_client did not show", b.shard)
	}
	return p, nil
}

// execProbe prepares, runs and closes a one-row statement with two string
// parameters, outside the statement cache (its text varies).
func (b *Conn) execProbe(ctx context.Context, query string) (*mysql.Result, error) {
	defer b.watch(ctx)()
	st, err := b.c.Prepare(query)
	if err != nil {
		b.noteErr(err)
		return nil, err
	}
	var r *mysql.Result
	if b.extMeta {
		r, err = b.executeExtended(st, "a", "a")
	} else {
		r, err = st.Execute("a", "a")
	}
	if err != nil {
		b.noteErr(err)
		_ = st.Close()
		return nil, err
	}
	if err := st.Close(); err != nil {
		b.broken, b.lostIO = true, true
		return nil, err
	}
	return r, nil
}
