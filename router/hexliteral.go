package router

import (
	"encoding/hex"
	"math"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/sharding"
)

// The parser reads 0x2B and X'2B' into the same binary literal and
// restores both as x'2b'. MariaDB does not treat them alike: 0x2B, like
// b'101011', is a number where one is compared or stored (id = 0x2B finds
// 43; INSERT of it into an INT stores 43), X'2B' is the string '+' (id =
// X'2B' compares 0). A statement the proxy renders again (for several
// shards) would turn 0x2B into the string. markHexNumbers marks each 0x
// literal as the parser marks a bit literal (no unsigned flag), which
// restores as b'101011': the same value with the same double nature.

// markHexNumbers marks the 0x literals of nodes, parsed from text.
func markHexNumbers(nodes []ast.StmtNode, text string) {
	if !strings.Contains(text, "0x") && !strings.Contains(text, "0X") {
		return
	}
	v := hexMarker{text: text}
	for _, n := range nodes {
		n.Accept(&v)
	}
}

type hexMarker struct{ text string }

func (m *hexMarker) Enter(n ast.Node) (ast.Node, bool) {
	v, ok := n.(*driver.ValueExpr)
	if !ok || v.Kind() != driver.KindBinaryLiteral || v.Type.GetFlag()&mysql.UnsignedFlag == 0 {
		return n, false
	}
	// b'...' is written without leading zero bits, and MariaDB sizes a
	// bit literal by its bits: 0x0041 would lose its first byte (two
	// bytes of a BINARY value, one of b'1000001'). Such a literal stays
	// x'0041', right as bytes, a string against an integer as before.
	if b := v.GetBytes(); isHexNumberAt(m.text, v.OriginTextPosition(), b) {
		v.Type.AddFlag(hexNumberFlag)
		if len(b) > 0 && b[0] != 0 {
			v.Type.DelFlag(mysql.UnsignedFlag)
		}
	}
	return n, false
}

// hexNumberFlag marks a 0x literal (restoring ignores it): a number where
// an integer is compared or stored, however it is written again.
const hexNumberFlag = mysql.ZerofillFlag

// isHexNumber tells a 0x or bit literal: X'..' is a string, these are
// numbers where an integer is compared or stored.
func isHexNumber(v *driver.ValueExpr) bool {
	f := v.Type.GetFlag()
	return v.Kind() == driver.KindBinaryLiteral && (f&mysql.UnsignedFlag == 0 || f&hexNumberFlag != 0)
}

func (m *hexMarker) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// isHexNumberAt tells whether text holds, at pos, a 0x literal of b (the
// check keeps a position that is not the literal's from marking anything).
func isHexNumberAt(text string, pos int, b []byte) bool {
	if pos < 0 || pos+2 > len(text) || text[pos] != '0' || (text[pos+1] != 'x' && text[pos+1] != 'X') {
		return false
	}
	end := pos + 2
	for end < len(text) && isHexDigit(text[end]) {
		end++
	}
	digits := text[pos+2 : end]
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	got, err := hex.DecodeString(digits)
	return err == nil && string(got) == string(b)
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hexNumber is the number a 0x or bit literal stands for where an integer
// is stored (the bytes read big-endian; more than eight of them beyond
// every integer column's range); ok is false for any other expression.
func hexNumber(e ast.ExprNode) (sharding.Value, bool) {
	v, ok := e.(*driver.ValueExpr)
	if !ok || !isHexNumber(v) {
		return sharding.Value{}, false
	}
	b := v.GetBytes()
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 8 {
		return sharding.UintValue(math.MaxUint64), true
	}
	var u uint64
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	return sharding.UintValue(u), true
}
