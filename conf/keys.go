package conf

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// walker checks a YAML node tree against the Go types it will be decoded
// into. yaml.v3's KnownFields reports only the first unknown key and its
// type errors carry no field path; walking the tree ourselves reports every
// unknown key, duplicate key and mistyped value with its path and line.
type walker struct {
	problems []Problem
	// lines maps each path present in the file to the line of its key or
	// list item, so validation problems can be located too.
	lines map[string]int
}

func newWalker() *walker {
	return &walker{lines: make(map[string]int)}
}

func (w *walker) add(path string, line int, format string, args ...any) {
	w.problems = append(w.problems, Problem{Path: path, Msg: fmt.Sprintf(format, args...), Line: line})
}

// present reports whether the file has the key path (even if null).
func (w *walker) present(path string) bool {
	_, ok := w.lines[path]
	return ok
}

// lineOf returns the line of path, or of its nearest ancestor present in
// the file (a missing key is reported at the mapping that lacks it).
func (w *walker) lineOf(path string) int {
	for path != "" {
		if l, ok := w.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		if n = n.Alias; n == nil {
			return
		}
	}
	if n.ShortTag() == "!!null" {
		return // null keeps the default, as the decoder does
	}
	switch {
	case isLeaf(t):
		w.leaf(n, t, path)
	case t.Kind() == reflect.Pointer:
		w.walk(n, t.Elem(), path)
	case t.Kind() == reflect.Struct:
		w.mapping(n, t, path)
	case t.Kind() == reflect.Slice:
		w.sequence(n, t, path)
	}
}

// isLeaf reports whether values of t are checked by decoding them whole:
// scalars, maps, and types with their own UnmarshalYAML.
func isLeaf(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Pointer:
		return false
	}
	return true
}

func (w *walker) leaf(n *yaml.Node, t reflect.Type, path string) {
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		w.add(path, n.Line, "expected %s, got %s", describeType(t), describeNode(n))
		return
	}
	w.add(path, n.Line, "%s", err.Error())
}

func (w *walker) sequence(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.SequenceNode {
		w.add(path, n.Line, "expected a list, got %s", describeNode(n))
		return
	}
	for i, item := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		w.lines[p] = item.Line
		w.walk(item, t.Elem(), p)
	}
}

func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string) {
	fields := yamlFields(t)
	if n.Kind != yaml.MappingNode {
		w.add(path, n.Line, "expected a mapping with keys %s; got %s", strings.Join(fieldNames(fields), ", "), describeNode(n))
		return
	}
	seen := make(map[string]int) // key -> line of its first occurrence
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			w.merge(v, t, path)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.add(path, k.Line, "keys must be plain strings, got %s", describeNode(k))
			continue
		}
		p := joinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			w.add(p, k.Line, "duplicate key %q (first at line %d)", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		f := slices.IndexFunc(fields, func(f field) bool { return f.name == k.Value })
		if f < 0 {
			w.add(p, k.Line, "%s", unknownKeyMsg(k.Value, fieldNames(fields)))
			continue
		}
		w.lines[p] = k.Line
		w.walk(v, fields[f].typ, p)
	}
}

// merge checks the value of a "<<" merge key: one mapping or a list of
// mappings whose keys are merged into the enclosing mapping.
func (w *walker) merge(v *yaml.Node, t reflect.Type, path string) {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.SequenceNode {
		w.walk(v, t, path)
		return
	}
	for _, item := range v.Content {
		w.walk(item, t, path)
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// field is a YAML key of a struct and the Go type of its value.
type field struct {
	name string
	typ  reflect.Type
}

// yamlFields lists the keys yaml.v3 accepts for struct type t, in
// declaration order, following the same tag rules as yaml.v3.
func yamlFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(opts, ","), "inline") && sf.Type.Kind() == reflect.Struct {
			out = append(out, yamlFields(sf.Type)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out = append(out, field{name: name, typ: sf.Type})
	}
	return out
}

func fieldNames(fields []field) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

func unknownKeyMsg(key string, known []string) string {
	msg := fmt.Sprintf("unknown key %q", key)
	if s := closest(key, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; known keys: " + strings.Join(known, ", ")
}

// closest returns the known key nearest to key if it is close enough to be
// a plausible typo, else "".
func closest(key string, known []string) string {
	// Allow one edit per four letters, at most two: short keys are too
	// close to each other for a larger distance to mean anything.
	maxDist := min(2, max(1, len(key)/4))
	best, bestDist := "", maxDist+1
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return strconv.Quote(n.Value)
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map:
		return "a mapping"
	}
	return t.String()
}
