package proxy

import (
	"strings"

	"github.com/xaproxy/xaproxy/router"
)

// filterInfoSchema returns the text a shard runs for st: text with the
// information_schema tables that list schema objects limited to the
// schemas the user may use (router/infoschema.go).
func (s *Session) filterInfoSchema(st *router.Statement, text string) (string, error) {
	if st.Kind == router.KindUnparsed && st.Routine == nil && strings.Contains(strings.ToLower(text), "information_schema") {
		// (A definition's body is checked by the router: one that reads
		// information_schema is refused there.)
		return "", errNotSupported("xaproxy cannot parse this statement (%v), and it mentions information_schema, whose rows xaproxy limits to the schemas the user may use", st.ParseErr)
	}
	if !router.NeedsInfoView(st, s.db) {
		return text, nil
	}
	view := router.InfoSchemaView{Schemas: s.visibleSchemas(), Shard: s.srv.router.DefaultShard(s.db)}
	filtered, err := s.srv.router.FilterInfoSchema(st, text, s.db, view)
	if err == nil && filtered != text {
		err = s.checkRewrittenText(filtered)
	}
	return filtered, err
}
