package router

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/internal/sqllex"
	"github.com/xaproxy/xaproxy/sharding"
)

// The text-query plan cache. Parsing and planning a statement costs more
// CPU than relaying it, and applications send the same few statement
// shapes with different literals. A statement's shape is its text with
// number and string literals replaced by ? markers; the shape is parsed
// and planned once, like a prepared statement, and each query binds its
// own literals as parameters.
//
// A shape is only trusted after checking, on a query that has it, that
// the parse of the shape has the same tree as the parse of the query, with
// parameter markers exactly where the query has literals (ORDER BY 1 is a
// column position, not a value: such shapes are never cached). The key
// holds each literal's class (integer, decimal, double, string), because a
// different class at the same place can parse differently.

// maxShapes bounds the cache; beyond it an arbitrary entry is dropped.
const maxShapes = 4096

// maxShapeSQL: longer statements (bulk inserts) are not cached.
const maxShapeSQL = 4096

// shape is a statement with its literals taken out.
type shape struct {
	sql    string  // with ? markers
	params []Param // the literals, in order
}

// normalizeInto appends to b the shape of sql and after it the classes of
// its literals, of which there are n, and returns the literals. ok is
// false for text it does not handle (then the statement is planned the
// ordinary way): ? markers, double-quoted strings (identifiers under
// ANSI_QUOTES), strings with escapes, hex/bit/typed/introduced literals,
// executable comments.
func normalizeInto(b []byte, sql string) (out []byte, n int, params []Param, ok bool) {
	if len(sql) > maxShapeSQL {
		return b, 0, nil, false
	}
	var classBuf [32]byte
	classes := classBuf[:0]
	prevWord := "" // the identifier or keyword just before, when adjacent tokens matter
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '?' || c == '"':
			return b, 0, nil, false
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 || (i+2 < len(sql) && (sql[i+2] == '!' || sql[i+2] == 'M')) {
				return b, 0, nil, false
			}
			b = append(b, sql[i:i+2+end+2]...)
			i += 2 + end + 2
			continue
		case c == '#' || (c == '-' && strings.HasPrefix(sql[i:], "-- ")):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			b = append(b, sql[i:i+end]...)
			i += end
			continue
		case c == '`':
			end := strings.IndexByte(sql[i+1:], '`')
			if end < 0 {
				return b, 0, nil, false
			}
			b = append(b, sql[i:i+1+end+1]...)
			i += 1 + end + 1
			prevWord = ""
			continue
		case c == '\'':
			end := strings.IndexByte(sql[i+1:], '\'')
			if end < 0 {
				return b, 0, nil, false
			}
			s := sql[i+1 : i+1+end]
			if strings.IndexByte(s, '\\') >= 0 || (i+1+end+1 < len(sql) && sql[i+1+end+1] == '\'') {
				return b, 0, nil, false // escapes and doubled quotes: left to the parser
			}
			if prevWord != "" && i > 0 && sqllex.IsWordByte(sql[i-1]) {
				return b, 0, nil, false // _utf8'x', N'x', X'..', B'..'
			}
			switch strings.ToUpper(prevWord) {
			case "DATE", "TIME", "TIMESTAMP", "INTERVAL":
				return b, 0, nil, false
			}
			params = append(params, Param{Type: mysql.MYSQL_TYPE_VAR_STRING, Literal: "'" + s + "'", Key: sharding.StringValue(s)})
			classes = append(classes, 's')
			b = append(b, '?')
			i += 1 + end + 1
			prevWord = ""
			continue
		case sqllex.IsWordByte(c):
			j := i
			for j < len(sql) && sqllex.IsWordByte(sql[j]) {
				j++
			}
			word := sql[i:j]
			if c >= '0' && c <= '9' && (i == 0 || !sqllex.IsWordByte(sql[i-1])) {
				p, class, n, ok := number(sql[i:])
				if !ok {
					return b, 0, nil, false
				}
				if n < len(sql)-i && (sqllex.IsWordByte(sql[i+n]) || sql[i+n] == '.') {
					return b, 0, nil, false // 1abc is an identifier
				}
				if i > 0 && sql[i-1] == '.' {
					return b, 0, nil, false // t.1 or .5
				}
				params = append(params, p)
				classes = append(classes, class)
				b = append(b, '?')
				i += n
				prevWord = ""
				continue
			}
			b = append(b, word...)
			prevWord = word
			i = j
			continue
		case c == '@':
			// @var and @@var are names, whatever follows.
			j := i
			for j < len(sql) && (sql[j] == '@' || sqllex.IsWordByte(sql[j]) || sql[j] == '.') {
				j++
			}
			b = append(b, sql[i:j]...)
			i = j
			prevWord = ""
			continue
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			prevWord = ""
		}
		b = append(b, c)
		i++
	}
	if len(params) == 0 {
		return b, 0, nil, false // nothing to gain over an exact-text statement
	}
	return append(b, classes...), len(classes), params, true
}

// number reads an unsigned number literal at the start of s: its
// parameter, class ('i' integer, 'd' decimal, 'f' double) and length.
func number(s string) (Param, byte, int, bool) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n < len(s) && (s[n] == 'x' || s[n] == 'X' || s[n] == 'b' || s[n] == 'B') && s[:n] == "0" {
		return Param{}, 0, 0, false // 0x1F, 0b101
	}
	class := byte('i')
	if n < len(s) && s[n] == '.' {
		class = 'd'
		n++
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m >= len(s) || s[m] < '0' || s[m] > '9' {
			return Param{}, 0, 0, false
		}
		for m < len(s) && s[m] >= '0' && s[m] <= '9' {
			m++
		}
		class, n = 'f', m
	}
	text := s[:n]
	if class != 'i' && (text[n-1] == '.' || (len(text) > 1 && text[0] == '0' && text[1] != '.')) {
		// 1. and 01.5: the parser writes them back as 1 and 1.5; keep the
		// statement's own text unless it is already in that form.
		return Param{}, 0, 0, false
	}
	switch class {
	case 'i':
		// Digits without a leading 0 are what FormatInt writes for their
		// value: the statement's own text is the literal intParam and
		// uintParam would make, without making it again.
		canonical := n == 1 || text[0] != '0'
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			if canonical {
				return Param{Literal: text, Key: sharding.IntValue(v)}, class, n, true
			}
			return intParam(v), class, n, true
		}
		if v, err := strconv.ParseUint(text, 10, 64); err == nil {
			if canonical {
				return Param{Literal: text, Key: sharding.UintValue(v)}, 'u', n, true
			}
			return uintParam(v), 'u', n, true
		}
		// Beyond 64 bits the parser reads a decimal.
		return Param{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Literal: text, Key: sharding.NumberValue(text)}, 'd', n, true
	case 'd':
		return Param{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Literal: text, Key: sharding.NumberValue(text)}, class, n, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return Param{}, 0, 0, false
	}
	return Param{Type: mysql.MYSQL_TYPE_DOUBLE, Literal: text, Key: sharding.FloatValue(f)}, class, n, true
}

// cachedPlan is a planned shape. nil plan: the shape was checked and is
// not cacheable.
type cachedPlan struct {
	st   *Statement
	plan *Plan
}

// shapeCache maps user, database and shape to a plan. Plans are shared
// between sessions: binding only reads them (template.go).
type shapeCache struct {
	mu      sync.RWMutex
	entries map[string]*cachedPlan // by shapeKey
	seen    map[string]struct{}    // shapes met once: planned on the second sighting
}

func newShapeCache() *shapeCache {
	return &shapeCache{entries: map[string]*cachedPlan{}, seen: map[string]struct{}{}}
}

// reset forgets every cached plan.
func (c *shapeCache) reset() {
	c.mu.Lock()
	clear(c.entries)
	clear(c.seen)
	c.mu.Unlock()
}

// shapeKey appends to b the cache key of sql's shape in a session of user
// whose database is db: user and db, each after its length, then the
// shape, its literals' classes and their count (2 bytes: a shape is at
// most maxShapeSQL long), so that different keys are different strings.
// at..at+len(shape) is the shape. It is bytes, so that a lookup
// (entries[string(key)]) converts it without allocating.
func shapeKey(b []byte, user, db, sql string) (key []byte, at int, sh shape, ok bool) {
	// The shape is never longer than sql: with room for a few classes, a
	// key that does not fit b is made in one allocation.
	b = slices.Grow(b, 2*binary.MaxVarintLen64+len(user)+len(db)+len(sql)+16+2)
	b = binary.AppendUvarint(b, uint64(len(user)))
	b = append(b, user...)
	b = binary.AppendUvarint(b, uint64(len(db)))
	b = append(b, db...)
	at = len(b)
	b, n, params, ok := normalizeInto(b, sql)
	if !ok {
		return b, 0, shape{}, false
	}
	return binary.BigEndian.AppendUint16(b, uint16(n)), at, shape{params: params}, true
}

// keyBuf is the size of the stack buffer a lookup makes its key in: longer
// keys are made on the heap.
const keyBuf = 512

// CachedPlan returns the statement and plan cached for the shape of sql
// in a session of user whose database is db, with sql's literals as the
// plan's parameters.
func (r *Router) CachedPlan(sql, user, db string) (*Statement, *Plan, []Param, bool) {
	var buf [keyBuf]byte
	key, _, sh, ok := shapeKey(buf[:0], user, db, sql)
	if !ok {
		return nil, nil, nil, false
	}
	r.shapes.mu.RLock()
	e := r.shapes.entries[string(key)]
	r.shapes.mu.RUnlock()
	if e == nil || e.plan == nil || r.Stale(e.plan) {
		return nil, nil, nil, false
	}
	return e.st, e.plan, sh.params, true
}

// RememberPlan offers the cache a text statement that was just parsed and
// planned the ordinary way (st, plan). Its shape is planned and checked on
// the second time it is offered, so that one-off statements cost one
// normalization only.
func (r *Router) RememberPlan(p *Parser, sql string, st *Statement, user, db string) {
	if !cacheable(st) {
		return
	}
	kb, at, sh, ok := shapeKey(nil, user, db, sql)
	if !ok {
		return
	}
	key := string(kb)
	// The shape is the key's text from at up to its classes and their count.
	sh.sql = key[at : len(kb)-2-int(binary.BigEndian.Uint16(kb[len(kb)-2:]))]
	c := r.shapes
	c.mu.Lock()
	if _, done := c.entries[key]; done {
		c.mu.Unlock()
		return
	}
	if _, again := c.seen[key]; !again {
		if len(c.seen) >= maxShapes {
			clear(c.seen)
		}
		c.seen[key] = struct{}{}
		c.mu.Unlock()
		return
	}
	delete(c.seen, key)
	c.mu.Unlock()

	e := &cachedPlan{}
	if shSt, err := p.Parse(sh.sql); err == nil && shSt.Kind == st.Kind && sameShape(st.Node, shSt.Node, sh.params) {
		// A plan that runs only where its key picks one shard is not
		// kept: the shape's markers may be what the merge refused (a
		// literal in the select list), which the client's text is not.
		if plan, err := r.Plan(shSt, user, db); err == nil && (plan.keyed == nil || plan.keyed.singleOnly == nil) {
			e.st, e.plan = shSt, plan
		}
	}
	c.mu.Lock()
	if len(c.entries) >= maxShapes {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
	c.mu.Unlock()
}

// cacheable: plain reads and writes. Everything else is rare, cheap to
// parse, or changes session or schema state.
func cacheable(st *Statement) bool {
	if st.Kind != KindPassThrough || st.ImplicitCommit || st.ConnState != ConnStateNone || st.LastInsertID != LastIDNone || st.DiagRead || st.LastResult != 0 || st.Identity != 0 || st.Returning != nil {
		return false
	}
	switch st.Node.(type) {
	case *ast.SelectStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		return true
	}
	return false
}

// sameShape tells whether the parse of a shape is the parse of the query
// with its literals (params), and nothing else, turned into markers.
func sameShape(query, shaped ast.Node, params []Param) bool {
	a, b := &nodeLister{}, &nodeLister{}
	query.Accept(a)
	shaped.Accept(b)
	if len(a.nodes) != len(b.nodes) {
		return false
	}
	markers := 0
	for i := range a.nodes {
		_, isMarker := b.nodes[i].(*driver.ParamMarkerExpr)
		_, isValue := a.nodes[i].(*driver.ValueExpr)
		switch {
		case isMarker && isValue:
			m := b.nodes[i].(*driver.ParamMarkerExpr)
			if u, ok := b.nodes[i-1].(*ast.UnaryOperationExpr); ok && u.Op == opcode.Minus &&
				(m.Order >= len(params) || params[m.Order].Type == mysql.MYSQL_TYPE_VAR_STRING) {
				// -'5' is a number: -? of a string parameter is not a
				// value the router can route by.
				return false
			}
			markers++
		case isMarker || isValue:
			return false
		case sameType(a.nodes[i], b.nodes[i]):
		default:
			return false
		}
	}
	return markers == len(params)
}

func sameType(x, y ast.Node) bool {
	if _, ok := x.(*ast.PositionExpr); ok {
		return false // ORDER BY 1: a position, never a parameter
	}
	return reflect.TypeOf(x) == reflect.TypeOf(y)
}

type nodeLister struct{ nodes []ast.Node }

func (l *nodeLister) Enter(n ast.Node) (ast.Node, bool) {
	l.nodes = append(l.nodes, n)
	return n, false
}

func (l *nodeLister) Leave(n ast.Node) (ast.Node, bool) { return n, true }
