package backend

// The shard's version decides which executable comments (/*!NNNNN ... */)
// it runs; the proxy expands them itself so that it plans what the shard
// runs (router.ExpandExecutableComments). The handshake of each new
// connection says the version; the pool keeps the latest.

// ServerVersionID is the version number MariaDB compares executable
// comments with (101106 for 10.11.6) of this pool's shard, from the
// handshake of the connection dialled last; ok is false before the first
// connection, or when the server's version string cannot be read.
func (p *Pool) ServerVersionID() (id int, ok bool) {
	id = int(p.versionID.Load())
	return id, id > 0
}

// noteVersion records the version a new connection's handshake gave.
func (p *Pool) noteVersion(c *Conn) {
	if id, ok := versionID(c.c.GetServerVersion()); ok {
		p.versionID.Store(int64(id))
	}
}

// versionID turns a version string into MariaDB's number: major*10000 +
// minor*100 + patch.
func versionID(version string) (int, bool) {
	v := parseServerVersion(version, "")
	if !v.ok || v.minor > 99 || v.patch > 99 {
		return 0, false
	}
	return v.major*10000 + v.minor*100 + v.patch, true
}
