package backend

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file checks a shard's server settings that xaproxy's two-phase commit
// depends on. The checks only warn: a proxy with a weak shard still serves,
// and the operator decides. Reading the server (CheckServer) is kept apart
// from judging what was read (serverWarnings and the parsers below), which is
// pure and unit-tested.

// ShardWarning is one warning about one shard's settings.
type ShardWarning struct {
	Shard   string
	Message string
}

// CheckShards runs CheckServer on one connection of each pool, all shards at
// once, each within timeout. A shard that cannot be reached gets a warning
// saying its settings were not checked. Warnings are ordered by shard name.
func CheckShards(ctx context.Context, pools map[string]*Pool, timeout time.Duration) []ShardWarning {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var (
		mu  sync.Mutex
		out []ShardWarning
		wg  sync.WaitGroup
	)
	for name, pool := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			var msgs []string
			if c, err := pool.Acquire(cctx); err != nil {
				msgs = []string{fmt.Sprintf("settings not checked: %v", err)}
			} else {
				msgs = CheckServer(cctx, c)
				pool.Release(c)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				out = append(out, ShardWarning{Shard: name, Message: m})
			}
		}()
	}
	wg.Wait()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Shard < out[j].Shard })
	return out
}

// CheckServer reads the settings of the server behind c that matter to XA
// and returns a warning for each one that weakens xaproxy's guarantees or
// breaks recovery; none when all is well. It only reads (SHOW GLOBAL
// VARIABLES, SHOW GRANTS and, on MySQL 8 when the grants do not show
// XA_RECOVER_ADMIN, one XA RECOVER to find out), so c can be released to
// its pool afterwards. A failure to read is itself returned as a warning.
func CheckServer(ctx context.Context, c *Conn) []string {
	s, err := readServerSettings(ctx, c)
	if err != nil {
		return []string{fmt.Sprintf("settings not checked: %v", err)}
	}
	return serverWarnings(s)
}

// checkedVariables are read with one SHOW GLOBAL VARIABLES; a variable the
// server does not have (xa_detach_on_prepare before MySQL 8.0.29, on
// MariaDB) is simply absent from the answer.
var checkedVariables = []string{
	"version", "version_comment", "xa_detach_on_prepare",
	"innodb_flush_log_at_trx_commit", "log_bin", "sync_binlog",
}

// serverSettings is what CheckServer read from a server.
type serverSettings struct {
	vars map[string]string // lower-case variable name -> value, only those the server has

	// Only read on MySQL 8.0.19 and later, where XA RECOVER needs
	// XA_RECOVER_ADMIN.
	grantsRead       bool
	grantee          string // as SHOW GRANTS names the backend user, e.g. `xaproxy`@`%`
	xaRecoverAllowed bool
}

func readServerSettings(ctx context.Context, c *Conn) (serverSettings, error) {
	s := serverSettings{vars: map[string]string{}}
	q := "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('" + strings.Join(checkedVariables, "', '") + "')"
	rows, err := queryStrings(ctx, c, q, 2)
	if err != nil {
		return s, err
	}
	for _, r := range rows {
		s.vars[strings.ToLower(r[0])] = r[1]
	}
	v := parseServerVersion(s.vars["version"], s.vars["version_comment"])
	if !v.ok || v.mariaDB || !v.atLeast(8, 0, 19) {
		return s, nil
	}
	s.grantsRead = true
	var grants []string
	if rows, err := queryStrings(ctx, c, "SHOW GRANTS FOR CURRENT_USER()", 1); err == nil {
		for _, r := range rows {
			grants = append(grants, r[0])
		}
	} else if _, isServer := ServerError(err); !isServer {
		return s, err
	}
	s.grantee = granteeOf(grants)
	s.xaRecoverAllowed = grantsAllowXARecover(grants)
	if !s.xaRecoverAllowed {
		// The privilege may come through a role or SUPER, which SHOW
		// GRANTS does not spell out: ask the server itself.
		_, err := c.Exec(ctx, "XA RECOVER")
		if err != nil {
			if _, isServer := ServerError(err); !isServer {
				return s, err
			}
		}
		s.xaRecoverAllowed = err == nil
	}
	return s, nil
}

// queryStrings runs a query and returns its rows' first cols columns as
// strings.
func queryStrings(ctx context.Context, c *Conn, query string, cols int) ([][]string, error) {
	r, err := c.Exec(ctx, query)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Resultset == nil {
		return nil, fmt.Errorf("%s: no result set", query)
	}
	out := make([][]string, 0, r.RowNumber())
	for i := 0; i < r.RowNumber(); i++ {
		row := make([]string, cols)
		for j := range row {
			if row[j], err = r.GetString(i, j); err != nil {
				return nil, fmt.Errorf("%s: row %d: %w", query, i, err)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// serverWarnings judges what was read from a server.
func serverWarnings(s serverSettings) []string {
	var w []string
	version, comment := s.vars["version"], s.vars["version_comment"]
	v := parseServerVersion(version, comment)
	switch {
	case !v.ok:
		w = append(w, fmt.Sprintf("cannot read the server version %q (%q): the checks that depend on MySQL or MariaDB versions were skipped", version, comment))
	case v.mariaDB && !v.atLeast(10, 5, 0):
		w = append(w, fmt.Sprintf("MariaDB %s is older than 10.5: before 10.5 a prepared XA branch is rolled back when its connection closes (MDEV-742), "+
			"so a proxy that dies between XA PREPARE and XA COMMIT can leave a transaction committed on some shards only. Upgrade to MariaDB 10.5 or later", version))
	case !v.mariaDB && !v.atLeast(5, 7, 7):
		w = append(w, fmt.Sprintf("MySQL %s is older than 5.7.7: before 5.7.7 a prepared XA branch is rolled back when its connection closes, "+
			"so a proxy that dies between XA PREPARE and XA COMMIT can leave a transaction committed on some shards only. Upgrade to MySQL 5.7.7 or later (8.0 recommended)", version))
	}

	if d, ok := s.vars["xa_detach_on_prepare"]; ok && !v.mariaDB && isOn(d) {
		w = append(w, "xa_detach_on_prepare=ON: MySQL detaches a branch from its session at XA PREPARE, so any session can finish it at once. "+
			"xaproxy works (its commit and recovery are correct with either setting), but every transaction through xaproxy is an XA branch "+
			"from its first statement, and with ON MySQL refuses temporary tables in XA branches (error 4091); and xaproxy's fault tests run "+
			"on MariaDB, where a prepared branch stays attached to its session, as on MySQL with OFF. "+
			"Set xa_detach_on_prepare=OFF (mysqld --xa-detach-on-prepare=OFF, or SET PERSIST xa_detach_on_prepare = OFF) "+
			"unless the shard replicates and you keep ON as MySQL advises for replication (see docs/deploy.md)")
	}

	if s.grantsRead && !s.xaRecoverAllowed {
		who := s.grantee
		if who == "" {
			who = "'<backend user>'@'<host>'"
		}
		w = append(w, fmt.Sprintf("the backend user lacks XA_RECOVER_ADMIN (XA RECOVER was refused): recovery cannot see in-doubt branches of other sessions, "+
			"so a branch left prepared by a proxy that died stays prepared, holding its row locks, until finished by hand. "+
			"GRANT XA_RECOVER_ADMIN ON *.* TO %s", who))
	}

	if f, ok := s.vars["innodb_flush_log_at_trx_commit"]; ok && !(f == "1" || v.mariaDB && f == "3") {
		w = append(w, fmt.Sprintf("innodb_flush_log_at_trx_commit=%s: the redo log is not flushed at each XA PREPARE and COMMIT, so a crash "+
			"(of mysqld with 0, of the machine with 2) can lose a PREPARE the shard acknowledged, and a transaction the other shards "+
			"committed is then missing here. Set innodb_flush_log_at_trx_commit=1", f))
	}
	if b, ok := s.vars["log_bin"]; ok && isOn(b) {
		if sb, ok := s.vars["sync_binlog"]; ok && sb != "1" {
			w = append(w, fmt.Sprintf("log_bin=ON with sync_binlog=%s: the binary log is not flushed at each XA PREPARE and COMMIT, so a crash "+
				"of the machine can lose a PREPARE from the binary log, and replicas (and a failover to one) miss a transaction the other "+
				"shards committed. Set sync_binlog=1", sb))
		}
	}
	return w
}

// serverVersion is a parsed @@version.
type serverVersion struct {
	mariaDB             bool
	major, minor, patch int
	ok                  bool // the version started with major.minor
}

// parseServerVersion reads @@version ("8.0.36", "8.0.36-28",
// "10.11.6-MariaDB-log", "10.6.16-MariaDB-1:10.6.16+maria~ubu2004") and
// tells MariaDB from MySQL by the version or @@version_comment. The
// "5.5.5-" prefix MariaDB puts in its handshake is skipped.
func parseServerVersion(version, comment string) serverVersion {
	v := serverVersion{
		mariaDB: strings.Contains(strings.ToLower(version), "mariadb") || strings.Contains(strings.ToLower(comment), "mariadb"),
	}
	s := strings.TrimSpace(version)
	if v.mariaDB {
		s = strings.TrimPrefix(s, "5.5.5-")
	}
	var nums []int
	for len(nums) < 3 {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 6 {
			break
		}
		n, _ := strconv.Atoi(s[:i])
		nums = append(nums, n)
		s = s[i:]
		if len(nums) < 3 && (s == "" || s[0] != '.') {
			break
		}
		s = strings.TrimPrefix(s, ".")
	}
	if len(nums) < 2 {
		return v
	}
	v.ok = true
	v.major, v.minor = nums[0], nums[1]
	if len(nums) == 3 {
		v.patch = nums[2]
	}
	return v
}

// atLeast tells whether v >= major.minor.patch.
func (v serverVersion) atLeast(major, minor, patch int) bool {
	if v.major != major {
		return v.major > major
	}
	if v.minor != minor {
		return v.minor > minor
	}
	return v.patch >= patch
}

// isOn reads a boolean server variable.
func isOn(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "ON", "1", "TRUE", "YES":
		return true
	}
	return false
}

// grantsAllowXARecover tells whether SHOW GRANTS lines give XA_RECOVER_ADMIN:
// XA_RECOVER_ADMIN or ALL [PRIVILEGES] granted ON *.*. ALL on one database
// does not include it (it is a global privilege), and neither do roles,
// whose grants SHOW GRANTS FOR CURRENT_USER() does not expand.
func grantsAllowXARecover(lines []string) bool {
	for _, line := range lines {
		privs, target, ok := splitGrant(line)
		if !ok || target != "*.*" {
			continue
		}
		for _, p := range strings.Split(privs, ",") {
			switch strings.Join(strings.Fields(strings.ToUpper(p)), " ") {
			case "ALL", "ALL PRIVILEGES", "XA_RECOVER_ADMIN":
				return true
			}
		}
	}
	return false
}

// splitGrant splits "GRANT privs ON target TO grantee ..." into privs and
// target (with quotes removed). Role grants ("GRANT `r`@`%` TO ...") have no
// ON and are not privilege grants.
func splitGrant(line string) (privs, target string, ok bool) {
	up := strings.ToUpper(line)
	if !strings.HasPrefix(up, "GRANT ") {
		return "", "", false
	}
	on := strings.Index(up, " ON ")
	to := strings.Index(up, " TO ")
	if on < 0 || to < on {
		return "", "", false
	}
	privs = line[len("GRANT "):on]
	target = strings.NewReplacer("`", "", "'", "", "\"", "").Replace(strings.TrimSpace(line[on+len(" ON ") : to]))
	return privs, target, true
}

// granteeOf returns the account SHOW GRANTS names ("`xaproxy`@`%`"), or "".
func granteeOf(lines []string) string {
	for _, line := range lines {
		up := strings.ToUpper(line)
		if !strings.HasPrefix(up, "GRANT ") {
			continue
		}
		to := strings.LastIndex(up, " TO ")
		if to < 0 {
			continue
		}
		rest := strings.TrimSpace(line[to+len(" TO "):])
		// The account ends at the first space outside quotes (before WITH
		// GRANT OPTION, ...).
		quote := byte(0)
		for i := 0; i < len(rest); i++ {
			switch ch := rest[i]; {
			case quote != 0 && ch == quote:
				quote = 0
			case quote == 0 && (ch == '`' || ch == '\'' || ch == '"'):
				quote = ch
			case quote == 0 && ch == ' ':
				return rest[:i]
			}
		}
		return rest
	}
	return ""
}
