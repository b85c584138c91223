package harness

import "os"

// OwnSessions reports XAPROXY_HARNESS_SESSIONS=own: servers start in
// sessions of their own (SysProcAttr).
func OwnSessions() bool { return os.Getenv("XAPROXY_HARNESS_SESSIONS") == "own" }
