package catalog

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// markReach records what every routine, trigger and view reaches
// (reach.go), once the tables are placed so that names resolve: each body
// is scanned, then grows by what it calls and by the triggers of what it
// writes until nothing grows.
func (c *Catalog) markReach(snaps []Snapshot) {
	defaults := c.markDefaults()
	sc := newScanner(c)
	routines := [2]map[string][]*bodyScan{{}, {}} // functions, procedures: by name, whatever the schema
	type stored struct {
		body Body
		scan *bodyScan
	}
	var all []*bodyScan
	var routineList, triggerList []stored
	for _, s := range snaps {
		if s.Err != nil {
			continue
		}
		for _, r := range s.Routines {
			b := sc.stored(r)
			name, kind := strings.ToLower(r.Name), 0
			if r.Procedure {
				kind = 1
			}
			routines[kind][name] = append(routines[kind][name], b)
			routineList, all = append(routineList, stored{r, b}), append(all, b)
		}
		for _, t := range s.Triggers {
			b := sc.stored(t)
			triggerList, all = append(triggerList, stored{t, b}), append(all, b)
			if t.Trigger != "" {
				c.schema(t.Schema).triggerTable[strings.ToLower(t.Trigger)] = t.Name
			}
		}
	}
	byTable := map[Named][]*Reach{} // any event: a body's write is not told apart
	for _, t := range triggerList {
		k := Named{Schema: strings.ToLower(t.body.Schema), Name: strings.ToLower(t.body.Name)}
		byTable[k] = append(byTable[k], &t.scan.Reach)
	}
	calls := func(name string, procedure bool) []*Reach {
		kind := 0
		if procedure {
			kind = 1
		}
		var out []*Reach
		for _, b := range routines[kind][name] {
			out = append(out, &b.Reach)
		}
		return out
	}
	writes := func(t Named, takesDefaults bool) []*Reach {
		k := Named{Schema: strings.ToLower(t.Schema), Name: strings.ToLower(t.Name)}
		out := byTable[k]
		if d := defaults[k]; d != nil && takesDefaults {
			out = append(out[:len(out):len(out)], d) // a row the body writes may take them
		}
		return out
	}
	for grew := true; grew; {
		grew = false
		for _, b := range all {
			grew = c.absorbDeps(b, calls, writes) || grew
		}
	}
	for _, r := range routineList {
		set := c.schema(r.body.Schema).routineReach
		if r.body.Procedure {
			set = c.schema(r.body.Schema).procedureReach
		}
		c.addReach(set, strings.ToLower(r.body.Name), r.scan.Reach)
	}
	for _, t := range triggerList {
		for _, e := range triggerEvents(t.body.Event) {
			c.addReach(c.schema(t.body.Schema).writeReach, eventKey(t.body.Name, e), t.scan.Reach)
		}
	}
	c.markViews(sc, calls)
}

// triggerEvents are the events a trigger fires on; all three when the
// snapshot did not say (an older shard's row).
func triggerEvents(event string) []string {
	if e := strings.ToLower(event); e == EventInsert || e == EventUpdate || e == EventDelete {
		return []string{e}
	}
	return AllEvents()
}

// markDefaults records the columns whose defaults call a sequence
// function or one each server computes anew, and returns, by table
// (lower-cased), what a write taking those defaults reaches: bodies that
// write the table absorb it.
func (c *Catalog) markDefaults() map[Named]*Reach {
	out := map[Named]*Reach{}
	for schema, si := range c.schemas {
		for name, t := range si.tables {
			var r Reach
			for _, col := range t.Columns {
				if !col.HasDefault {
					continue
				}
				d := scanWords(sqllex.Tokens(col.Default, sqllex.Mode{}, 0), nil)
				if d.Sequences {
					si.seqDefaults[name] = append(si.seqDefaults[name], col.Name)
					r.Sequences, c.reaching = true, true
				}
				if d.Random {
					si.randDefaults[name] = append(si.randDefaults[name], col.Name)
					r.Random, c.reaching = true, true
				}
			}
			if r.Sequences || r.Random {
				out[Named{Schema: schema, Name: name}] = &r
			}
		}
	}
	return out
}

// markViews records what views reach: the routines their definitions
// call, and for a write through one, the write reach of the tables it
// names.
func (c *Catalog) markViews(sc *scanner, calls func(string, bool) []*Reach) {
	for _, si := range c.schemas {
		for name, t := range si.tables {
			if !t.View {
				continue
			}
			v := sc.view(t)
			// What the definition's words say, but its tables (the
			// router routes them) and writes (a view writes nothing).
			own := v.Reach
			own.Tables, own.Writes = nil, false
			read := bodyScan{Reach: own, calls: v.calls, procCalls: v.procCalls}
			c.absorbDeps(&read, calls, func(Named, bool) []*Reach { return nil })
			c.addReach(si.viewReach, name, read.Reach)
			for _, e := range AllEvents() {
				var write bodyScan
				for _, tbl := range v.Tables {
					write.absorb(c.WriteReach(tbl.Schema, tbl.Name, e))
				}
				c.addReach(si.writeReach, eventKey(name, e), write.Reach)
			}
		}
	}
}

// stored scans a stored routine's or trigger's body.
func (sc *scanner) stored(b Body) *bodyScan {
	s := sc.body(b.Schema, b.Text, b.Params...)
	s.Unreadable = b.Unreadable
	return s
}

// addReach merges r into the set's entry for name; an empty reach is not
// kept.
func (c *Catalog) addReach(set map[string]*Reach, name string, r Reach) {
	if r.Empty() {
		return
	}
	c.reaching = true
	if set[name] == nil {
		set[name] = &Reach{}
	}
	b := bodyScan{Reach: *set[name]}
	b.absorb(r)
	*set[name] = b.Reach
}
