package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SHOW OPEN TABLES lists the tables open in a shard's table cache, every
// database's: through the proxy only the schemas the user may use are
// shown (MariaDB lists an account only the tables it has a privilege on),
// never the shard's other databases (mysql, sys, other applications').
// The shard runs it with that condition added; LIKE compares the table's
// name case-sensitively, as MariaDB's wild_compare does.

// openTablesText is the text a shard runs for SHOW OPEN TABLES n, limited
// to the schemas of v.
func openTablesText(n *ast.ShowStmt, v InfoSchemaView) (string, error) {
	q := "SHOW OPEN TABLES"
	if n.DBName != "" {
		q += " FROM " + quoteName(n.DBName)
	}
	names := make([]string, len(v.Schemas))
	for i, s := range v.Schemas {
		names[i] = utf8mb3Literal(s)
	}
	if len(names) == 0 {
		q += " WHERE 0"
	} else {
		q += " WHERE `Database` IN (" + strings.Join(names, ", ") + ")"
	}
	cond, err := showFilter(n.Pattern, n.Where, "CONVERT(`Table` USING utf8mb4) COLLATE utf8mb4_bin")
	if err != nil {
		return "", err
	}
	if cond != "" {
		q += " AND (" + cond + ")"
	}
	return q, nil
}
