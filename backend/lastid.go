package backend

// The proxy answers LAST_INSERT_ID() per session (proxy/lastinsert.go); to
// tell whether a statement changed a connection's value it must know the
// value the connection had before.

// KnownLastInsertID is the connection's @@last_insert_id; known is false
// once a statement may have changed it without the proxy reading it back.
func (b *Conn) KnownLastInsertID() (v uint64, known bool) { return b.lastInsertID, b.lastIDKnown }

// SetKnownLastInsertID records the connection's @@last_insert_id, read back
// or set by the proxy.
func (b *Conn) SetKnownLastInsertID(v uint64) { b.lastInsertID, b.lastIDKnown = v, true }

// ForgetLastInsertID records that a statement may have changed the
// connection's @@last_insert_id.
func (b *Conn) ForgetLastInsertID() { b.lastIDKnown = false }
