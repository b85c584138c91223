package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// restoreFlags print SQL the way MariaDB reads it back: single-quoted
// strings with backslash escapes, backquoted names, no charset introducers
// the client did not write.
const restoreFlags = format.RestoreStringSingleQuotes | format.RestoreStringEscapeBackslash |
	format.RestoreKeyWordUppercase | format.RestoreNameBackQuotes | format.RestoreStringWithoutDefaultCharset

// Restore prints a node back as SQL; nil prints as DEFAULT (SET x = DEFAULT).
func Restore(n ast.Node) (string, error) {
	if n == nil {
		return "DEFAULT", nil
	}
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(restoreFlags, &b)); err != nil {
		return "", err
	}
	return b.String(), nil
}

func restore(n ast.Node) (string, error) { return Restore(n) }
