package loadfile

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll cuts a case's file into rows with fields as pointers (nil:
// NULL), reading it one byte at a time to show that where the reads end
// does not matter.
func readAll(t *testing.T, c readCase) ([][]*string, []string) {
	t.Helper()
	cs := c.charset
	if cs == "" {
		cs = "utf8mb4"
	}
	cl := c.c
	cl.Charset = cs
	f, err := Resolve(cl, false)
	if err != nil {
		t.Fatal(err)
	}
	rd := NewReader(iotest.OneByteReader(strings.NewReader(c.file)), f, 3, c.ignore)
	var rows [][]*string
	var raws []string
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows, raws
		}
		if err != nil {
			t.Fatal(err)
		}
		var out []*string
		for _, fl := range r.Fields {
			if fl.Null {
				out = append(out, nil)
			} else {
				out = append(out, sp(string(fl.Value)))
			}
		}
		rows = append(rows, out)
		raws = append(raws, string(r.Raw))
	}
}

func show(rows [][]*string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("[")
		for i, f := range r {
			if i > 0 {
				b.WriteString(" ")
			}
			if f == nil {
				b.WriteString("NULL")
			} else {
				b.WriteString(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(*f, "\n", `\n`), "\t", `\t`), "\r", `\r`))
			}
		}
		b.WriteString("]")
	}
	return b.String()
}

func TestReader(t *testing.T) {
	for _, c := range readCases {
		t.Run(c.name, func(t *testing.T) {
			rows, raws := readAll(t, c)
			if show(rows) != show(c.want) {
				t.Errorf("rows %s\nwant %s", show(rows), show(c.want))
			}
			if c.raws != nil && strings.Join(raws, "|") != strings.Join(c.raws, "|") {
				t.Errorf("raw rows %q, want %q", raws, c.raws)
			}
			// The rows' bytes, sent on alone, read as the same rows: what
			// each shard reads from its part of the file.
			var again readCase = c
			again.ignore = 0
			var kept []string
			for _, r := range raws {
				kept = append(kept, r)
			}
			again.file = strings.Join(kept, "")
			rows2, _ := readAll(t, again)
			if show(rows2) != show(rows) {
				t.Errorf("the rows' bytes read as %s, want %s", show(rows2), show(rows))
			}
		})
	}
}

func TestResolveRefuses(t *testing.T) {
	for _, c := range []Clauses{
		{FieldTerm: sp(""), Charset: "utf8mb4"},
		{LineTerm: sp(""), Charset: "utf8mb4"},
		{Charset: "sjis"},
		{Charset: "ucs2"},
	} {
		if _, err := Resolve(c, false); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	f, err := Resolve(Clauses{Charset: "latin1"}, true)
	if err != nil || f.Escape != -1 || f.UTF8 {
		t.Errorf("NO_BACKSLASH_ESCAPES latin1: %+v %v", f, err)
	}
}
