package catalog

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// One MariaDB gives every row of a statement the same current time: NOW(),
// CURRENT_TIMESTAMP, a column's DEFAULT CURRENT_TIMESTAMP and ON UPDATE
// CURRENT_TIMESTAMP read the time the statement started. The proxy makes
// the shards of a statement that runs on several of them use one time
// (proxy/stmttime.go); these tell where such a time may be read.

// StatementTimeFuncs are the functions that read the statement's time
// (lower-cased). SYSDATE() reads the clock when it is called, on one
// server too; UNIX_TIMESTAMP reads it without an argument only.
var StatementTimeFuncs = map[string]bool{
	"now": true, "current_timestamp": true, "localtime": true, "localtimestamp": true,
	"curdate": true, "current_date": true, "curtime": true, "current_time": true,
	"utc_date": true, "utc_time": true, "utc_timestamp": true, "unix_timestamp": true,
}

// MentionsStatementTime tells whether an SQL text (a default expression, a
// trigger's body) names one of StatementTimeFuncs as a word; one in a
// string or a comment counts too, which errs on the side of one time for
// all shards.
func MentionsStatementTime(text string) bool {
	lower := strings.ToLower(text)
	for i := 0; i < len(lower); {
		if !sqllex.IsWordByte(lower[i]) {
			i++
			continue
		}
		j := i
		for j < len(lower) && sqllex.IsWordByte(lower[j]) {
			j++
		}
		if StatementTimeFuncs[lower[i:j]] {
			return true
		}
		i = j
	}
	return false
}

// markTimed finds the routines and triggers that may read the statement's
// time: their bodies name a function of it, or call such a routine (to the
// fixed point, by name as markCallers does); a stateful routine or trigger,
// whose body the snapshot does not hold, counts as one.
func (c *Catalog) markTimed(snaps []Snapshot) {
	timed := map[string]bool{}
	var routines, triggers []Body
	for _, s := range snaps {
		if s.Err != nil {
			continue
		}
		for _, f := range s.Functions {
			timed[strings.ToLower(f.Name)] = true
			c.schema(f.Schema).timedFunc[strings.ToLower(f.Name)] = true
		}
		for _, t := range s.Triggered {
			c.schema(t.Schema).timed[strings.ToLower(t.Name)] = true
		}
		routines = append(routines, s.Routines...)
		triggers = append(triggers, s.Triggers...)
	}
	for changed := true; changed; {
		changed = false
		for _, r := range routines {
			name := strings.ToLower(r.Name)
			if !timed[name] && (MentionsStatementTime(r.Text) || callsAny(r.Text, timed)) {
				timed[name] = true
				c.schema(r.Schema).timedFunc[name] = true
				changed = true
			}
		}
	}
	for _, t := range triggers {
		if MentionsStatementTime(t.Text) || callsAny(t.Text, timed) {
			c.schema(t.Schema).timed[strings.ToLower(t.Name)] = true
		}
	}
}

// markTimedTables finds the tables whose column defaults or ON UPDATE
// columns store the statement's time, and the views whose definitions read
// it, once per catalog rather than per statement.
func (c *Catalog) markTimedTables() {
	for _, si := range c.schemas {
		for name, t := range si.tables {
			if t.View {
				if MentionsStatementTime(t.Definition) {
					si.timedView[name] = true
				}
				continue
			}
			for _, col := range t.Columns {
				if col.OnUpdateNow || (col.HasDefault && MentionsStatementTime(col.Default)) {
					si.timed[name] = true
					break
				}
			}
		}
	}
}
