package integration

import (
	"testing"
	"time"
)

// TestUnsignedUserVariableOnShards: a user variable holding an UNSIGNED
// integer keeps its sign on the shard connections it is carried to. It
// was written there as a bare number, which is signed: UPDATE ... SET v =
// @u - 6 stored -1 where MariaDB refuses the UNSIGNED subtraction (1690).
func TestUnsignedUserVariableOnShards(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE sw (id INT PRIMARY KEY, v INT)",
		"INSERT INTO sw VALUES (1, 10), (2, 20), (3, 30), (4, 40)")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SET @u = CAST(5 AS UNSIGNED), @s = 5", nil},
		{0, "UPDATE sw SET v = @u - 6 WHERE id = 2", nil},
		{0, "SELECT id, @u - 6 FROM sw WHERE id = 3", nil},
		{0, "SELECT id, @s - 6 FROM sw WHERE id = 3", nil},
		{0, "SELECT @u, @u + 1 FROM sw WHERE id = 4", nil},
		{0, "SELECT id, v FROM sw ORDER BY id", nil},
	})
}
