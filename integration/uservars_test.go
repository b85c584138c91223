package integration

import (
	"database/sql"
	"testing"
	"time"
)

// TestVariablesByValue: SET records the values it gave, not the
// expressions, so a later statement on another pooled connection sees what
// MariaDB would: `SET @x = 5; SET @y = @x * 2; SET @x = 0` leaves @y = 10,
// also for routing `WHERE id = @y`; user variables keep their type and a
// string its character set and collation.
func TestVariablesByValue(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_vars")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_vars")} {
		mustExec(t, db, "CREATE TABLE uv (id INT PRIMARY KEY)")
		mustExec(t, db, "INSERT INTO uv VALUES (0), (5), (10)")
	}
	steps := []scriptStep{
		{0, "SET @x = 5", nil},
		{0, "SET @y = @x * 2", nil},
		{0, "SET @x = 0", nil},
		{1, "SET @x = 100", nil},
		{0, "SELECT @x, @y", nil},
		{0, "SELECT id FROM uv WHERE id = @y", nil},
		{0, "SET @s = 'é', @d = 1.50, @f = 1e0 / 3, @n = NULL, @b = _binary 'ab', @l = _latin1 'abc' COLLATE latin1_bin", nil},
		{1, "SELECT @x, @y", nil},
		{0, "SELECT @s, HEX(@s), COLLATION(@s), @d, @d * 2, @f, @n IS NULL, HEX(@b), COLLATION(@b), COLLATION(@l)", nil},
		{0, "SET @i = @i + 1", nil}, // NULL + 1
		{0, "SET @c = 0", nil},
		{0, "SET @c = @c + 1", nil},
		{0, "SET @c = @c + 1", nil},
		{0, "SELECT @i, @c", nil},
		{0, "SET @@session.div_precision_increment = @@session.div_precision_increment + 2", nil},
		{0, "SELECT @@div_precision_increment, 1 / 3", nil},
		{1, "SELECT @@div_precision_increment, 1 / 3", nil},
		// Bytes MariaDB keeps although they are not well formed in the
		// variable's character set; then session 0 on the other connection.
		{0, "SET @bad = 'a\xffb', @bad3 = _utf8mb3'\xf0\x9f\x98\x80z' COLLATE utf8mb3_bin", nil},
		{1, "BEGIN", nil},
		{1, "SELECT id FROM uv WHERE id = 0", nil},
		{0, "BEGIN", nil},
		{0, "SELECT HEX(@bad), COLLATION(@bad), HEX(@bad3), COLLATION(@bad3), HEX(@s)", nil},
		{1, "COMMIT", nil},
		{0, "COMMIT", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 2), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_vars"), 2), steps)
	compareScript(t, steps, got, want)
}

// TestVariablesAssignedInStatements: user variables assigned by `@x :=`
// and `SELECT ... INTO @x` are the session's afterwards, on whatever
// connection its next statement gets, as on one MariaDB; a statement that
// would assign them on several shards is refused.
func TestVariablesAssignedInStatements(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_assign")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_assign")} {
		mustExec(t, db, "CREATE TABLE av (id INT PRIMARY KEY, v VARCHAR(10))")
		mustExec(t, db, "INSERT INTO av VALUES (1, 'a'), (2, 'b'), (3, 'é')")
	}
	steps := []scriptStep{
		{0, "SELECT @x := 5", nil},
		{1, "SELECT @x := 100, @y := 'other'", nil},
		{0, "SELECT @x, @y", nil},
		{0, "SET @rn = 0", nil},
		{0, "SELECT @rn := @rn + 1 AS n, id FROM av ORDER BY id", nil},
		{1, "SELECT @rn", nil},
		{0, "SELECT @rn", nil},
		{0, "SELECT v INTO @v FROM av WHERE id = 3", nil},
		{1, "SELECT v INTO @v FROM av WHERE id = 1", nil},
		{0, "SELECT @v, HEX(@v), COLLATION(@v)", nil},
		{0, "UPDATE av SET v = (@old := v) WHERE id = 2", nil},
		{0, "SELECT @old", nil},
		{0, "SELECT id, v INTO @a, @b FROM av WHERE id = 99", nil}, // no row: a warning, variables kept
		{0, "SELECT @a, @b", nil},
		{1, "SELECT @x, @y, @v, @old", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 2), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_assign"), 2), steps)
	compareScript(t, steps, got, want)
}
