package catalog

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// markReach records what every routine, trigger and view reaches
// (reach.go), once the tables are placed so that names resolve: each body
// is scanned, then grows by what it calls and the triggers of what it
// writes until nothing grows.
func (c *Catalog) markReach(snaps []Snapshot) {
	routines := map[string][]*bodyScan{} // by name, whatever the schema
	type tableScan struct {
		table Named
		scan  *bodyScan
	}
	var all []*bodyScan
	var routineOf []Named // all[i] for i < len(routineOf): routine routineOf[i]
	var triggers []tableScan
	for _, s := range snaps {
		if s.Err != nil {
			continue
		}
		for _, r := range s.Routines {
			b := c.scanStored(r)
			routines[strings.ToLower(r.Name)] = append(routines[strings.ToLower(r.Name)], b)
			all, routineOf = append(all, b), append(routineOf, r.Named)
		}
		for _, t := range s.Triggers {
			b := c.scanStored(t)
			triggers = append(triggers, tableScan{t.Named, b})
			if t.Trigger != "" {
				c.schema(t.Schema).triggerTable[strings.ToLower(t.Trigger)] = t.Name
			}
		}
	}
	byTable := map[Named][]*Reach{}
	for _, t := range triggers {
		all = append(all, t.scan)
		k := Named{Schema: strings.ToLower(t.table.Schema), Name: strings.ToLower(t.table.Name)}
		byTable[k] = append(byTable[k], &t.scan.Reach)
	}
	calls := func(name string) []*Reach {
		var out []*Reach
		for _, b := range routines[name] {
			out = append(out, &b.Reach)
		}
		return out
	}
	writes := func(t Named) []*Reach {
		return byTable[Named{Schema: strings.ToLower(t.Schema), Name: strings.ToLower(t.Name)}]
	}
	for grew := true; grew; {
		grew = false
		for _, b := range all {
			grew = c.absorbDeps(b, calls, writes) || grew
		}
	}
	for i, r := range routineOf {
		c.addReach(c.schema(r.Schema).routineReach, strings.ToLower(r.Name), all[i].Reach)
	}
	for _, t := range triggers {
		c.addReach(c.schema(t.table.Schema).writeReach, strings.ToLower(t.table.Name), t.scan.Reach)
	}
	c.markDefaultsAndViews(calls)
}

// markDefaultsAndViews adds to writeReach the column defaults that call a
// sequence function, and records what views reach: the routines their
// definitions call, and for a write through one, the write reach of the
// tables it names.
func (c *Catalog) markDefaultsAndViews(calls func(string) []*Reach) {
	for _, si := range c.schemas {
		for name, t := range si.tables {
			for _, col := range t.Columns {
				if col.HasDefault && scanWords(sqllex.Tokens(col.Default, sqllex.Mode{}, 0)).Sequences {
					c.addReach(si.writeReach, name, Reach{Sequences: true})
				}
			}
		}
	}
	for _, si := range c.schemas {
		for name, t := range si.tables {
			if !t.View {
				continue
			}
			v := c.scanView(t, 0)
			read := bodyScan{Reach: Reach{Sequences: v.Sequences}, calls: v.calls}
			c.absorbDeps(&read, calls, func(Named) []*Reach { return nil })
			c.addReach(si.viewReach, name, read.Reach)
			var write bodyScan
			for _, tbl := range v.Tables {
				write.absorb(c.WriteReach(tbl.Schema, tbl.Name))
			}
			c.addReach(si.writeReach, name, write.Reach)
		}
	}
}

// scanStored scans a stored routine's or trigger's body.
func (c *Catalog) scanStored(b Body) *bodyScan {
	s := c.scanBody(b.Schema, b.Text)
	s.Unreadable = b.Unreadable
	return s
}

// addReach merges r into the set's entry for name; an empty reach is not
// kept.
func (c *Catalog) addReach(set map[string]*Reach, name string, r Reach) {
	if len(r.Tables) == 0 && !r.Writes && !r.Sequences && !r.Unknown() {
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

type token = sqllex.Token

const wordToken = sqllex.Word

// readings are the ways a stored body may read, not knowing the sql_mode
// it was stored under: with and without backslash escapes, double quotes
// read as names (a string spelt like a table only refuses more).
func readings(body string) [][]token {
	return [][]token{
		sqllex.Tokens(body, sqllex.Mode{ANSIQuotes: true}, 0),
		sqllex.Tokens(body, sqllex.Mode{ANSIQuotes: true, NoBackslashEscapes: true}, 0),
	}
}

// tokenAt returns toks[i], a zero token outside.
func tokenAt(toks []token, i int) token {
	if i < 0 || i >= len(toks) {
		return token{Kind: sqllex.Punct}
	}
	return toks[i]
}
