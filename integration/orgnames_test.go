package integration

import "testing"

// TestMergedOrgNames: a merged column's table and original names are
// one MariaDB's; a group of a derived table's column, which the shards
// read under the merge's own alias, is named as one server names it (the
// item's name), not by that alias (__xa_g0).
func TestMergedOrgNames(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE txitems (k INT PRIMARY KEY, g INT, s VARCHAR(10))",
		"INSERT INTO txitems VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')",
	)
	for _, q := range []string{
		"SELECT x.g, COUNT(*) FROM (SELECT g FROM txitems) x GROUP BY x.g",
		"SELECT x.g AS foo, COUNT(*) FROM (SELECT g FROM txitems) x GROUP BY x.g",
		"SELECT DISTINCT x.g FROM (SELECT g, k FROM txitems) x",
		"SELECT g AS foo, COUNT(*) FROM txitems GROUP BY g",
		"SELECT DISTINCT s AS z FROM txitems",
	} {
		got, want := executeTwins(t, f, q)
		for i, w := range want.Fields {
			g := got.Fields[i]
			if string(g.Table) != string(w.Table) || string(g.OrgTable) != string(w.OrgTable) || string(g.OrgName) != string(w.OrgName) {
				t.Errorf("%s: column %s: proxy table %q org_table %q org_name %q, MariaDB %q %q %q",
					q, w.Name, g.Table, g.OrgTable, g.OrgName, w.Table, w.OrgTable, w.OrgName)
			}
		}
	}
}
