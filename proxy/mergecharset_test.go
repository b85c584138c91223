package proxy

import (
	"testing"

	"github.com/xaproxy/xaproxy/engine"
)

// TestEngineUTF8Collations holds the engine's list of utf8mb3 and utf8mb4
// collation ids, by which a merge tells text it reads from text it
// refuses, and its character set names, to MariaDB's table.
func TestEngineUTF8Collations(t *testing.T) {
	for id := uint16(0); id < 4096; id++ {
		c, known := mariadbCollations[id]
		utf8 := known && (c.charset == "utf8mb3" || c.charset == "utf8mb4")
		if engine.IsUTF8Collation(id) != utf8 {
			t.Errorf("collation %d (%q): engine.IsUTF8Collation = %v, want %v", id, c.name, !utf8, utf8)
		}
		if name := engine.CharsetName(id); name != "" && name != c.charset {
			t.Errorf("collation %d (%q): engine.CharsetName = %q, want %q", id, c.name, name, c.charset)
		}
	}
}
