package proxy

import "github.com/xaproxy/xaproxy/router"

// checkRunsOn refuses a statement, about to run as ex, that the shards it
// runs on cannot answer as one server: over several shards one that calls
// a function of a per-server sequence (router/serverseq.go), itself or
// through a routine, trigger or default (each shard would give its own
// values, where one MariaDB gives the statement's rows one sequence); a
// write to a broadcast table's copies that calls a function each server
// computes anew (UUID(), RAND(), ...: the copies would differ); one
// whose routine names a table a shard it runs on lacks
// (router/routines.go).
func (s *Session) checkRunsOn(st *router.Statement, ex *router.Exec) error {
	if err := s.srv.router.CheckRunsOn(st, s.db, ex); err != nil {
		return err
	}
	if !spansShards(ex) {
		return nil
	}
	use := router.ServerSequences(st)
	if use.SeededRand && !ex.Copies {
		// The copies of a broadcast table each get the whole sequence.
		return errNotSupported("RAND(N) with a seed in a statement that runs on several shards is not supported: each shard would start the sequence again and rows would repeat each other's values; use RAND() without a seed, or restrict the statement to one shard")
	}
	if use.MovesSeq {
		return errNotSupported("NEXTVAL, NEXT VALUE FOR and SETVAL in a statement that runs on several shards are not supported: each shard holds its own copy of a sequence, if any, where one server has one; take the values from a statement on one shard (SELECT NEXTVAL(seq)) and write them")
	}
	if use.UUIDShort {
		instead := "use UUID(), or restrict the statement to one shard"
		if ex.Copies {
			instead = "take the value from a statement of its own (SELECT UUID_SHORT()) and write it"
		}
		return errNotSupported("UUID_SHORT() in a statement that runs on several shards is not supported: each shard counts from its own server_id and start time, so values could repeat or go out of order; %s", instead)
	}
	if f := router.RandomWrite(st); f != "" && ex.Copies {
		return errNotSupported("%s in a write to the copies of a broadcast table is not supported: each shard would compute its own value and the copies would differ, where one server stores one; compute the value first (SELECT %s) and write it as a literal or parameter", f, f)
	}
	return nil
}
