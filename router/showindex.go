package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// SHOW INDEX (INDEXES, KEYS) FROM a sharded table answers its indexes
// once, with each Cardinality summed over the table's shards, as
// information_schema.STATISTICS does through the proxy (infocombine.go):
// one server holding all the rows counts them all, where the home shard
// alone counts its part. Its rows are made from the combined rows of
// STATISTICS, which MariaDB fills from the same index statistics, with
// SHOW INDEX's column names, in the home shard's order (MariaDB's key
// order); WHERE is evaluated over them by the shard. Other tables keep
// their home shard's answer (planShow), and so does a table the catalog
// does not know (MariaDB's 1146 for a configured table not created).

// showIndexColumns maps SHOW INDEX's columns (MariaDB 10.11) to
// information_schema.STATISTICS's.
var showIndexColumns = [][2]string{
	{"Table", "TABLE_NAME"}, {"Non_unique", "NON_UNIQUE"}, {"Key_name", "INDEX_NAME"},
	{"Seq_in_index", "SEQ_IN_INDEX"}, {"Column_name", "COLUMN_NAME"}, {"Collation", "COLLATION"},
	{"Cardinality", "CARDINALITY"}, {"Sub_part", "SUB_PART"}, {"Packed", "PACKED"}, {"Null", "NULLABLE"},
	{"Index_type", "INDEX_TYPE"}, {"Comment", "COMMENT"}, {"Index_comment", "INDEX_COMMENT"},
	{"Ignored", "IGNORED"},
}

type showIndex struct {
	schema, table string
	where         ast.ExprNode
}

// PlanShowIndex returns how SHOW INDEX st is answered from the combined
// statistics of a sharded table; nil when st is not SHOW INDEX of a
// sharded table named as configured (the home shard answers then).
func (r *Router) PlanShowIndex(st *Statement, user, db string, v InfoSchemaView) (*InfoGather, error) {
	n, ok := st.Node.(*ast.ShowStmt)
	if !ok || n.Tp != ast.ShowIndex || n.Table == nil {
		return nil, nil
	}
	schema := n.Table.Schema.O
	if schema == "" {
		schema = n.DBName
	}
	t, err := r.resolve(schema, n.Table.Name.O, user, db)
	if err != nil {
		return nil, err
	}
	if t.kind != sharding.Sharded || t.table.Name != n.Table.Name.O {
		return nil, nil
	}
	sc := r.rules.Schema(t.schema)
	if sc == nil || sc.Name != t.schema || r.Catalog().Table(sc.Name, t.table.Name) == nil {
		// Not created (its home shard answers 1146, as one server does),
		// or not read yet.
		return nil, nil
	}
	if err := r.checkDiverged(st, db); err != nil {
		return nil, err // its shards' indexes differ: no one server's list
	}
	g := &InfoGather{st: st, db: db, view: v, rules: r.rules, tables: []string{"statistics"},
		shown: &showIndex{schema: sc.Name, table: t.table.Name, where: n.Where}}
	g.Reads = g.reads("statistics", []string{sc.Name}, false)
	return g, nil
}

func (s *showIndex) query(derived string) (string, error) {
	items := make([]string, len(showIndexColumns))
	for i, c := range showIndexColumns {
		items[i] = c[1] + " AS " + quoteName(c[0])
	}
	q := "SELECT * FROM (SELECT " + strings.Join(items, ", ") + " FROM " + derived + " AS t WHERE TABLE_SCHEMA = " +
		utf8mb3Literal(s.schema) + " AND TABLE_NAME = " + utf8mb3Literal(s.table) + ") AS `STATISTICS`"
	if s.where != nil {
		cond, err := Restore(s.where)
		if err != nil {
			return "", err
		}
		q += " WHERE " + cond
	}
	return q, nil
}

func (s *showIndex) defsSQL() string { return "SHOW INDEX FROM information_schema.TABLES WHERE 0" }
