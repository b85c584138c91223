package proxy

import "github.com/xaproxy/xaproxy/router"

// checkLockedWrite refuses a write that spans shards while the session
// holds LOCK TABLES: the proxy makes such a write atomic with XA, and
// MariaDB refuses XA START under LOCK TABLES (1400 XAER_OUTSIDE, which
// says nothing of the cause). A restore of mariadb-dump's output meets it
// when an extended INSERT holds rows of several shards.
func (s *Session) checkLockedWrite(ex *router.Exec) error {
	locked := false
	for _, p := range s.pins {
		locked = locked || p.locked
	}
	if !locked {
		return nil
	}
	for _, p := range ex.Parts[1:] {
		if p.Shard != ex.Parts[0].Shard {
			return errNotSupported("a write whose rows go to several shards is not supported while LOCK TABLES is in effect " +
				"(it would need XA, which MariaDB refuses under LOCK TABLES): UNLOCK TABLES first, write one shard's rows per statement, " +
				"or restore a mariadb-dump made with --skip-add-locks")
		}
	}
	return nil
}
