package catalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The queries a shard answers for its snapshot; %s is the quoted, comma
// separated list of served schema names. Each result's columns are in the
// order Snapshot's parser reads them.
const (
	QuerySchemas = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (%s)"
	// A view's definition tells the router which tables it reads (view.go
	// in router).
	// Stored functions and procedures, and the tables of triggers, that may
	// leave state in their connection (user variables, session variables,
	// temporary tables, locks: bodies that name them, or that cannot be
	// read) come with them, typed statefulRoutine and statefulTrigger
	// (proxy/pin.go), with their bodies as the others (reach.go).
	// A routine's row gives its type (FUNCTION or PROCEDURE); a trigger's
	// names its table, then its own name and event.
	// A table's row gives its engine fifth (proxy/searcheffects.go).
	QueryTables = "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE, v.VIEW_DEFINITION, t.ENGINE, NULL FROM information_schema.TABLES t" +
		" LEFT JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME" +
		" WHERE t.TABLE_SCHEMA IN (%[1]s)" +
		" UNION ALL SELECT ROUTINE_SCHEMA, ROUTINE_NAME, '" + statefulRoutine + "', ROUTINE_DEFINITION, ROUTINE_TYPE, NULL FROM information_schema.ROUTINES" +
		" WHERE ROUTINE_SCHEMA IN (%[1]s) AND " + routineMayLeaveState +
		" UNION ALL SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, '" + statefulTrigger + "', ACTION_STATEMENT, TRIGGER_NAME, EVENT_MANIPULATION FROM information_schema.TRIGGERS" +
		" WHERE EVENT_OBJECT_SCHEMA IN (%[1]s) AND " + triggerMayLeaveState +
		// The others come with their bodies: one that calls a stateful
		// routine is stateful too (calls.go).
		" UNION ALL SELECT ROUTINE_SCHEMA, ROUTINE_NAME, '" + otherRoutine + "', ROUTINE_DEFINITION, ROUTINE_TYPE, NULL FROM information_schema.ROUTINES" +
		" WHERE ROUTINE_SCHEMA IN (%[1]s) AND NOT " + routineMayLeaveState +
		" UNION ALL SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, '" + otherTrigger + "', ACTION_STATEMENT, TRIGGER_NAME, EVENT_MANIPULATION FROM information_schema.TRIGGERS" +
		" WHERE EVENT_OBJECT_SCHEMA IN (%[1]s) AND NOT " + triggerMayLeaveState +
		// A routine's parameters: a body's SET of one is its own.
		" UNION ALL SELECT SPECIFIC_SCHEMA, SPECIFIC_NAME, '" + routineParam + "', PARAMETER_NAME, ROUTINE_TYPE, NULL FROM information_schema.PARAMETERS" +
		" WHERE SPECIFIC_SCHEMA IN (%[1]s) AND PARAMETER_NAME IS NOT NULL"
	// A column's COLLATION_NAME (NULL for numbers, dates and binary
	// strings) tells the router which text a merge compares as MariaDB
	// does (router/collation.go).
	QueryColumns = "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLLATION_NAME" +
		" FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (%s)"
	QueryKeys = "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS" +
		" WHERE TABLE_SCHEMA IN (%s)"
)

// QuerySQLMode reads the sql_mode a new connection to the shard gets,
// which is a session's until it sets its own: the proxy reads statements
// with it (proxy/sqlmode.go).
const QuerySQLMode = "SELECT @@GLOBAL.sql_mode AS global_sql_mode"

// Queries returns the four snapshot queries for the served schemas, in the
// order ParseSnapshot takes their results.
func Queries(schemas []string) [4]string {
	quoted := make([]string, len(schemas))
	for i, s := range schemas {
		quoted[i] = "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
	}
	list := strings.Join(quoted, ",")
	return [4]string{
		fmt.Sprintf(QuerySchemas, list), fmt.Sprintf(QueryTables, list),
		fmt.Sprintf(QueryColumns, list), fmt.Sprintf(QueryKeys, list),
	}
}

// The TABLE_TYPEs QueryTables gives a stored routine and the table of a
// trigger that may leave state.
const (
	statefulRoutine = "STATEFUL ROUTINE"
	statefulTrigger = "STATEFUL TRIGGER"
	// The other routines and triggers, with their bodies.
	otherRoutine = "ROUTINE"
	otherTrigger = "TRIGGER"
	// routineParam: a parameter of a routine (schema, routine, name).
	routineParam = "PARAMETER"
)

// routineMayLeaveState and triggerMayLeaveState are the SQL conditions
// that a routine's or a trigger's body may leave state in the connection:
// it names a variable (@x, @@x), a session, a temporary table, a
// user-level lock or a prepared statement (a routine also another
// procedure it calls), or cannot be read (NULL). %% as the queries go
// through Sprintf.
const (
	routineMayLeaveState = "(ROUTINE_DEFINITION IS NULL OR ROUTINE_DEFINITION LIKE '%%@%%' OR ROUTINE_DEFINITION LIKE '%%SESSION%%' OR ROUTINE_DEFINITION LIKE '%%TEMPORARY%%' OR ROUTINE_DEFINITION LIKE '%%GET_LOCK%%' OR ROUTINE_DEFINITION LIKE '%%PREPARE%%' OR ROUTINE_DEFINITION LIKE '%%CALL%%')"
	triggerMayLeaveState = "(ACTION_STATEMENT IS NULL OR ACTION_STATEMENT LIKE '%%@%%' OR ACTION_STATEMENT LIKE '%%SESSION%%' OR ACTION_STATEMENT LIKE '%%TEMPORARY%%' OR ACTION_STATEMENT LIKE '%%GET_LOCK%%' OR ACTION_STATEMENT LIKE '%%PREPARE%%')"
)

// Row is one result row, NULL as nil.
type Row []*string

func (r Row) str(i int) string {
	if i >= len(r) || r[i] == nil {
		return ""
	}
	return *r[i]
}

// body reads a routine's or a trigger's row of QueryTables (a NULL body:
// the backend account may not read it).
func (r Row) body(trigger bool) Body {
	b := Body{Named: Named{Schema: r.str(0), Name: r.str(1)}, Text: r.str(3), Unreadable: len(r) > 3 && r[3] == nil}
	if trigger {
		b.Trigger, b.Event = r.str(4), r.str(5)
	} else {
		b.Procedure = strings.EqualFold(r.str(4), "PROCEDURE")
	}
	return b
}

// paramKey keys a routine's parameters by its schema, name and type.
func paramKey(schema, name string, procedure bool) string {
	if procedure {
		return tableKey(schema, name) + "\x00p"
	}
	return tableKey(schema, name)
}

// ParseSnapshot builds a shard's snapshot from the results of Queries.
func ParseSnapshot(shard string, schemas, tables, columns, keys []Row) (Snapshot, error) {
	snap := Snapshot{Shard: shard}
	for _, r := range schemas {
		snap.Schemas = append(snap.Schemas, r.str(0))
	}
	byKey := map[string]*Table{}
	params := map[string][]string{} // by routine
	for _, r := range tables {
		switch r.str(2) {
		case statefulRoutine:
			snap.Functions = append(snap.Functions, Named{Schema: r.str(0), Name: r.str(1)})
			snap.Routines = append(snap.Routines, r.body(false))
			continue
		case statefulTrigger:
			snap.Triggered = append(snap.Triggered, Named{Schema: r.str(0), Name: r.str(1)})
			snap.Triggers = append(snap.Triggers, r.body(true))
			continue
		case otherRoutine:
			snap.Routines = append(snap.Routines, r.body(false))
			continue
		case otherTrigger:
			snap.Triggers = append(snap.Triggers, r.body(true))
			continue
		case routineParam:
			// By type: a function and a procedure may share a name. A
			// row without one (an older reading) stands for both.
			for _, proc := range []bool{false, true} {
				if typ := r.str(4); typ == "" || strings.EqualFold(typ, "PROCEDURE") == proc {
					k := paramKey(r.str(0), r.str(1), proc)
					params[k] = append(params[k], r.str(3))
				}
			}
			continue
		}
		t := &Table{Schema: r.str(0), Name: r.str(1), View: r.str(2) == "VIEW", Definition: r.str(3), Engine: r.str(4)}
		byKey[tableKey(t.Schema, t.Name)] = t
		snap.Tables = append(snap.Tables, t)
	}
	for i, r := range snap.Routines {
		snap.Routines[i].Params = params[paramKey(r.Schema, r.Name, r.Procedure)]
	}
	type posCol struct {
		pos int
		col Column
	}
	cols := map[*Table][]posCol{}
	for _, r := range columns {
		t := byKey[tableKey(r.str(0), r.str(1))]
		if t == nil {
			continue // created between the two reads: the next refresh has it
		}
		pos, err := strconv.Atoi(r.str(3))
		if err != nil {
			return Snapshot{}, fmt.Errorf("catalog: %s.%s.%s: ORDINAL_POSITION %q", r.str(0), r.str(1), r.str(2), r.str(3))
		}
		extra := strings.ToUpper(r.str(7))
		c := Column{
			Name:          r.str(2),
			Type:          r.str(4),
			Nullable:      r.str(5) == "YES",
			HasDefault:    r[6] != nil,
			Default:       r.str(6),
			AutoIncrement: strings.Contains(extra, "AUTO_INCREMENT"),
			Generated:     strings.Contains(extra, "VIRTUAL") || strings.Contains(extra, "PERSISTENT") || strings.Contains(extra, "STORED"),
			Virtual:       strings.Contains(extra, "VIRTUAL"),
			OnUpdateNow:   strings.Contains(extra, "ON UPDATE"),
			Invisible:     strings.Contains(extra, "INVISIBLE"),
			Collation:     strings.ToLower(r.str(8)), // "" from a reader without it
		}
		cols[t] = append(cols[t], posCol{pos, c})
	}
	for t, pcs := range cols {
		sort.Slice(pcs, func(i, j int) bool { return pcs[i].pos < pcs[j].pos })
		for _, pc := range pcs {
			t.Columns = append(t.Columns, pc.col)
		}
	}
	type keyCol struct {
		seq int
		col string
	}
	idx := map[*Table]map[string][]keyCol{}
	nonUnique := map[*Table]map[string]bool{}
	for _, r := range keys {
		t := byKey[tableKey(r.str(0), r.str(1))]
		if t == nil {
			continue
		}
		seq, _ := strconv.Atoi(r.str(3))
		if idx[t] == nil {
			idx[t] = map[string][]keyCol{}
			nonUnique[t] = map[string]bool{}
		}
		idx[t][r.str(2)] = append(idx[t][r.str(2)], keyCol{seq, r.str(4)})
		nonUnique[t][r.str(2)] = r.str(5) == "1"
	}
	for t, m := range idx {
		for name, kcs := range m {
			sort.Slice(kcs, func(i, j int) bool { return kcs[i].seq < kcs[j].seq })
			ix := Index{Name: name}
			for _, kc := range kcs {
				ix.Columns = append(ix.Columns, kc.col)
			}
			if nonUnique[t][name] {
				t.Indexes = append(t.Indexes, ix)
				continue
			}
			t.Unique = append(t.Unique, ix)
		}
		sort.Slice(t.Indexes, func(i, j int) bool { return t.Indexes[i].Name < t.Indexes[j].Name })
		sort.Slice(t.Unique, func(i, j int) bool {
			a, b := t.Unique[i].Name, t.Unique[j].Name
			if (a == "PRIMARY") != (b == "PRIMARY") {
				return a == "PRIMARY"
			}
			return a < b
		})
	}
	return snap, nil
}
