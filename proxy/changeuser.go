package proxy

import (
	"context"
	"fmt"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/conf"
)

// COM_CHANGE_USER as MariaDB 10.11 runs it (sql_parse.cc): the session is
// reset first, as by COM_RESET_CONNECTION, and takes the packet's character
// set; then the new user is authenticated and the database checked. On
// success the session belongs to the new user, in the new database, with
// the packet's character set; on failure it keeps its old user and
// database, still reset, with the server's default character set (checked
// on 10.11), the client gets the error after a one-second pause, and the
// connection stays open. After three failures on one connection MariaDB
// answers every further COM_CHANGE_USER with 1047 Unknown command.

const (
	maxFailedChangeUser = 3
	changeUserFailPause = time.Second
)

func (s *Session) changeUser(ctx context.Context, payload []byte) error {
	if s.failedChangeUser >= maxFailedChangeUser {
		return s.writeErr(mysql.NewError(mysql.ER_UNKNOWN_COM_ERROR, fmt.Sprintf(
			"Unknown command: COM_CHANGE_USER failed %d times on this connection, which MariaDB refuses from then on; open a new connection", s.failedChangeUser)))
	}
	req, err := parseChangeUser(payload, s.conn.Capability())
	if err != nil {
		// MariaDB 10.11 answers a packet it cannot read with 1047 (08S01),
		// and the session stays as it was; the message says what was wrong.
		return s.writeErr(&mysql.MyError{Code: mysql.ER_UNKNOWN_COM_ERROR, State: "08S01", Message: "Unknown command: " + toMyError(err).Message})
	}
	s.resetConnection(ctx)
	s.collation = req.collation
	refused, err := s.authChangeUser(req)
	if err != nil {
		return err // the connection failed during the auth switch
	}
	s.changeUserAuthed(req.user, refused)
	if refused == nil {
		refused = s.switchUser(s.srv.live.Load().users[req.user], req.db)
	}
	if refused != nil {
		s.failedChangeUser++
		select {
		case <-ctx.Done():
		case <-time.After(s.srv.changeUserPause):
		}
		// MariaDB leaves the server's character set defaults, yet a later
		// COM_RESET_CONNECTION gives the packet's collation.
		s.vars, s.colLabel = backend.State{}, 0
		return s.writeErr(refused)
	}
	s.takeCollation(req.collation)
	return s.writeOK(0, 0, "")
}

// authChangeUser checks the client's password for req.user like a login:
// the same 1045 for an unknown user as for a wrong password. A client that
// answered with another plugin than the user's is asked to switch, with the
// connection's scramble, as MariaDB does. refused is the client's answer;
// err means the connection is unusable.
func (s *Session) authChangeUser(req changeUserReq) (refused, err error) {
	u := s.srv.live.Load().users[req.user]
	plugin := conf.AuthNativePassword
	if u != nil {
		plugin = u.AuthPlugin
	}
	if plugin != conf.AuthNativePassword {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_AUTH_MODE, fmt.Sprintf(
			"COM_CHANGE_USER to user '%s' is not supported: its xaproxy users[].auth_plugin is %s, and xaproxy re-authenticates only mysql_native_password users (reconnect instead)", req.user, plugin)), nil
	}
	auth := req.auth
	if req.plugin != "" && req.plugin != plugin {
		if auth, err = s.authSwitch(plugin); err != nil {
			return nil, err
		}
	}
	ok := u != nil && nativePasswordOK(auth, u.Password, s.salt)
	if !ok && u != nil && s.saltUncertain && (req.plugin == "" || req.plugin == plugin) {
		// The client may answer a scramble the proxy cannot know (see
		// handshakeSalt): ask again with the one it knows.
		if auth, err = s.authSwitch(plugin); err != nil {
			return nil, err
		}
		ok = nativePasswordOK(auth, u.Password, s.salt)
	}
	if ok {
		return nil, nil
	}
	using := "YES"
	if isEmptyAuth(auth) {
		using = "NO"
	}
	return mysql.NewDefaultError(mysql.ER_ACCESS_DENIED_ERROR, req.user, clientHost(s.remote), using), nil
}

// authSwitch asks the client to answer with plugin and reads its answer.
func (s *Session) authSwitch(plugin string) ([]byte, error) {
	p := append(s.buf[:4], mysql.EOF_HEADER)
	p = append(append(p, plugin...), 0)
	p = append(append(p, s.salt...), 0)
	if err := s.conn.WritePacket(p); err != nil {
		return nil, err
	}
	if err := s.nc.Flush(); err != nil {
		return nil, err
	}
	return s.conn.ReadPacket()
}

// nativePasswordOK checks a mysql_native_password answer to salt.
func nativePasswordOK(auth []byte, password string, salt []byte) bool {
	if isEmptyAuth(auth) || password == "" {
		return isEmptyAuth(auth) && password == ""
	}
	return len(salt) == 20 && mysql.CompareNativePassword(auth, mysql.NativePasswordHash([]byte(password)), salt)
}

// isEmptyAuth: clients send no bytes, or one NUL, for an empty password.
func isEmptyAuth(auth []byte) bool { return len(auth) == 0 || (len(auth) == 1 && auth[0] == 0) }

// switchUser makes the authenticated user u the session's, in database db
// ("" for none), checked with u's grants; the per-user connection slot
// moves to u. On error nothing changes.
func (s *Session) switchUser(u *conf.User, db string) error {
	oldUser, oldGrant := s.user, s.grant
	s.user, s.grant = u.Name, u
	if db != "" {
		if err := s.checkSchema(db); err != nil {
			s.user, s.grant = oldUser, oldGrant
			return err
		}
	}
	if err := s.moveUserSlot(u); err != nil {
		s.user, s.grant = oldUser, oldGrant
		return err
	}
	s.db = db
	return nil
}

// moveUserSlot gives the session's per-user connection slot to u, within
// u's max_connections.
func (s *Session) moveUserSlot(u *conf.User) error {
	if s.userSlot == u.Name {
		return nil
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if u.MaxConnections > 0 && s.srv.userConns[u.Name] >= u.MaxConnections {
		return mysql.NewError(mysql.ER_TOO_MANY_USER_CONNECTIONS, fmt.Sprintf(
			"User '%s' has exceeded the 'max_connections' resource (current value: %d): xaproxy users[].max_connections", u.Name, u.MaxConnections))
	}
	if s.userSlot != "" {
		if s.srv.userConns[s.userSlot]--; s.srv.userConns[s.userSlot] <= 0 {
			delete(s.srv.userConns, s.userSlot)
		}
	}
	s.srv.userConns[u.Name]++
	s.userSlot = u.Name
	return nil
}
