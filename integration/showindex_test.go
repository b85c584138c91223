package integration

import "testing"

// TestShowIndexOverShards: SHOW INDEX of a sharded table counts each
// index's Cardinality over all its shards, as information_schema.STATISTICS
// does and as one MariaDB holding all the rows does (after ANALYZE TABLE,
// InnoDB counts a small table exactly), with SHOW INDEX's columns, order
// and WHERE.
func TestShowIndexOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT NOT NULL, s VARCHAR(20), KEY ix_n (n), UNIQUE KEY us (k, s), KEY ix_s (s(3)) COMMENT 'prefix')",
		"INSERT INTO gitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd'), (5, 5, 'e'), (7, 1, 'f')",
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT, KEY (g))",
	)
	queries := []string{
		"SHOW INDEX FROM gitems",
		"SHOW KEYS IN gitems WHERE Key_name = 'ix_n'",
		"SHOW INDEXES FROM gitems WHERE Cardinality > 1 AND Seq_in_index = 1",
		"SHOW INDEX FROM plain",
		"SHOW INDEX FROM nosuch",
		"SHOW INDEX FROM items_prepared", // sharded, not created: 1146
	}
	steps := []wireStep{{0, "ANALYZE TABLE gitems"}}
	for _, q := range queries {
		steps = append(steps, wireStep{0, q})
	}
	compareWireSessions(t, f, 1, steps)
	for _, q := range queries[:3] {
		compareTwinFields(t, f, q, false)
	}
}
