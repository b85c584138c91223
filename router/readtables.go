package router

import "strings"

// ReadTablesQuery is the proxy's check that the tables a transaction's
// reads named are base tables (proxy/readbranch.go): the server's
// lower_case_table_names and the connection's sql_mode, then the schema,
// name and type of each table, one equality lookup each
// (information_schema opens only the table it names), names as hex
// literals so that no sql_mode changes how they read, with a LIMIT of its
// own.
func ReadTablesQuery(tables []TableRef) string {
	var b strings.Builder
	b.WriteString("SELECT @@lower_case_table_names, @@sql_mode, ''")
	for _, t := range tables {
		b.WriteString(" UNION ALL SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ")
		b.WriteString(utf8mb3Literal(t.Schema))
		b.WriteString(" AND TABLE_NAME = ")
		b.WriteString(utf8mb3Literal(t.Name))
	}
	// The session's sql_select_limit would cut the rows short.
	b.WriteString(" LIMIT 18446744073709551615")
	return b.String()
}
