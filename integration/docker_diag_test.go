//go:build docker

package integration

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// What TestDockerStack logs when a shard still holds transactions or locks
// after the bank workload: the test can only see that a lock is held, the
// shards and the proxies tell by whom and why.

// dockerDiagnose logs, for every shard, its open InnoDB transactions with
// the connections that hold them, its process list and XA RECOVER; for
// every proxy, its sessions (information_schema.PROCESSLIST), SHOW XA
// STATUS and its goroutines that run a command or have been blocked for a
// minute or more (docker/compose.pprof.yaml serves them on the admin port).
func dockerDiagnose(t *testing.T, st dockerStack, why string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "docker bank diagnosis (%s):\n", why)
	for i, db := range st.shards {
		for _, q := range []string{
			`SELECT t.trx_id, t.trx_state, t.trx_started, t.trx_wait_started, t.trx_rows_locked, t.trx_rows_modified,
				t.trx_mysql_thread_id, p.USER, p.HOST, p.COMMAND, p.TIME, p.STATE, LEFT(p.INFO, 200) AS INFO
				FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
				WHERE t.trx_mysql_thread_id IS NULL OR t.trx_mysql_thread_id <> CONNECTION_ID()`,
			"SELECT ID, USER, HOST, COMMAND, TIME, STATE, LEFT(INFO, 200) AS INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon'",
			"XA RECOVER",
		} {
			dockerDiagRows(ctx, &b, fmt.Sprintf("s%d", i), db, q)
		}
	}
	for i, addr := range st.proxies {
		name := fmt.Sprintf("proxy%d", i+1)
		db, err := sql.Open("mysql", appUser+":"+appPass+"@tcp("+addr+")/shop?timeout=5s&readTimeout=10s&writeTimeout=10s")
		if err != nil {
			fmt.Fprintf(&b, "  %s: %v\n", name, err)
			continue
		}
		for _, q := range []string{"SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE, INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()", "SHOW XA STATUS"} {
			dockerDiagRows(ctx, &b, name, db, q)
		}
		_ = db.Close()
		dockerDiagGoroutines(ctx, &b, name, st.admins[i])
	}
	t.Log(b.String())
}

// dockerDiagRows writes a statement's rows, one line each.
func dockerDiagRows(ctx context.Context, b *strings.Builder, who string, db *sql.DB, q string) {
	head, _, _ := strings.Cut(strings.Join(strings.Fields(q), " "), " FROM ")
	rows, err := dockerRows(ctx, db, q)
	if err != nil {
		fmt.Fprintf(b, "  %s: %s: %v\n", who, head, err)
		return
	}
	fmt.Fprintf(b, "  %s: %s: %d row(s)\n", who, head, len(rows))
	for _, r := range rows {
		fmt.Fprintf(b, "    %s\n", r)
	}
}

// dockerRows returns a statement's rows as "column=value ..." lines.
func dockerRows(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = cols[i] + "=" + v.String
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out, rows.Err()
}

// goroutineHeader matches a goroutine's first line in a debug=2 dump:
// "goroutine 12 [IO wait, 3 minutes]:".
var goroutineHeader = regexp.MustCompile(`^goroutine \d+ \[([^,\]]+)(?:, (\d+) minutes)?[^\]]*\]:$`)

// dockerDiagGoroutines writes a proxy's goroutines that run a session's
// command or have been blocked in xaproxy code for a minute or more,
// grouped by their functions.
func dockerDiagGoroutines(ctx context.Context, b *strings.Builder, who, admin string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+"/debug/pprof/goroutine?debug=2", nil)
	if err != nil {
		fmt.Fprintf(b, "  %s: goroutines: %v\n", who, err)
		return
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintf(b, "  %s: goroutines: %v\n", who, err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(b, "  %s: goroutines: %s\n", who, resp.Status)
		return
	}
	groups, order := dockerGoroutineGroups(resp.Body)
	fmt.Fprintf(b, "  %s: %d kind(s) of goroutine running a command or blocked a minute or more in xaproxy code:\n", who, len(order))
	for _, k := range order {
		g := groups[k]
		fmt.Fprintf(b, "    %d × [%s, up to %d minutes]\n", g.n, g.state, g.minutes)
		for _, f := range g.frames {
			fmt.Fprintf(b, "      %s\n", f)
		}
	}
}

type goroutineGroup struct {
	state   string
	minutes int
	n       int
	frames  []string
}

// dockerGoroutineGroups parses a debug=2 goroutine dump: goroutines with an
// xaproxy frame that run a session's command or have been blocked a minute
// or more, grouped by state and function names (the first 30 of them
// shown; all of them checked).
func dockerGoroutineGroups(r io.Reader) (map[string]*goroutineGroup, []string) {
	groups := map[string]*goroutineGroup{}
	var order []string
	var cur *goroutineGroup
	var all []string // every function of cur, kept or not
	flush := func() {
		has := func(s string) bool {
			return slices.ContainsFunc(all, func(f string) bool { return strings.Contains(f, s) })
		}
		if cur == nil || cur.minutes < 1 && !has("proxy.(*Session).dispatch") || !has("xaproxy/xaproxy/") {
			cur = nil
			return
		}
		k := cur.state + "\n" + strings.Join(cur.frames, "\n")
		if g, ok := groups[k]; ok {
			g.n++
			g.minutes = max(g.minutes, cur.minutes)
		} else {
			cur.n = 1
			groups[k] = cur
			order = append(order, k)
		}
		cur = nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := goroutineHeader.FindStringSubmatch(line); m != nil {
			flush()
			all = all[:0]
			cur = &goroutineGroup{state: m[1]}
			fmt.Sscan(m[2], &cur.minutes)
			continue
		}
		// Function lines start unindented; their file:line follows, indented.
		if cur != nil && line != "" && !strings.HasPrefix(line, "\t") {
			if strings.HasPrefix(line, "created by ") {
				line, _, _ = strings.Cut(line, " in goroutine ")
			} else if i := strings.LastIndex(line, "("); i > 0 {
				line = line[:i] // the arguments' values differ between goroutines
			}
			all = append(all, line)
			if len(cur.frames) < 30 {
				cur.frames = append(cur.frames, line)
			}
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		order = append(order, "")
		groups[""] = &goroutineGroup{state: "dump unreadable: " + err.Error()}
	}
	return groups, order
}

// dockerBusySessions returns the proxy's sessions running one statement
// for longer than older: after every client has finished, a statement
// that started before is running for a client that gave up on it, and
// must still end. (The proxy answers information_schema.PROCESSLIST
// itself; SHOW FULL PROCESSLIST takes its columns from the default shard,
// which may be a MySQL 8 with other ones. A session between statements,
// or in a command other than a query or an execute, shows as Sleep.)
func dockerBusySessions(ctx context.Context, addr string, older time.Duration) ([]string, error) {
	db, err := sql.Open("mysql", appUser+":"+appPass+"@tcp("+addr+")/shop?timeout=5s&readTimeout=10s&writeTimeout=10s")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	c, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	rows, err := db.QueryContext(c, "SELECT ID, COMMAND, TIME, STATE, INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, secs int64
		var command, state, info sql.NullString
		if err := rows.Scan(&id, &command, &secs, &state, &info); err != nil {
			return nil, err
		}
		if command.String != "Sleep" && time.Duration(secs)*time.Second > older {
			out = append(out, fmt.Sprintf("session %d: %s %q for %ds (%s)", id, command.String, info.String, secs, state.String))
		}
	}
	return out, rows.Err()
}
