package conf

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Path names the offending field, e.g. "schemas[0].tables[1].algorithm",
	// or is "" when the problem concerns the document as a whole.
	Path string
	Msg  string // what is wrong and what is allowed
	Line int    // 1-based line in the YAML source, 0 if unknown
}

// String formats the problem as "line N: path: msg", omitting unknown parts.
func (p Problem) String() string {
	return p.format("")
}

func (p Problem) format(file string) string {
	var b strings.Builder
	switch {
	case file != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", file, p.Line)
	case file != "":
		fmt.Fprintf(&b, "%s: ", file)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error holds every problem found in a configuration.
type Error struct {
	File     string // the file's path when the error comes from Load
	Problems []Problem
}

// Error lists the problems one per line, each prefixed by file and line
// where known, like a compiler does.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.format(e.File)
	}
	return strings.Join(lines, "\n")
}
