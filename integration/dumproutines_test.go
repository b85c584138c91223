package integration

import (
	"regexp"
	"strings"
	"testing"
)

// TestMariaDBDumpRoutinesTwin: mariadb-dump --routines --triggers --events
// of the schema through the proxy writes what it writes from one MariaDB
// holding the same schema (but for the database's name, the host line,
// the dump date and the definer). It runs SHOW EVENTS, SHOW TRIGGERS and
// SHOW COLUMNS under its LOCK TABLES, which MariaDB answers from
// information_schema without a lock, and SHOW PACKAGE [BODY] STATUS,
// which the proxy cannot parse.
func TestMariaDBDumpRoutinesTwin(t *testing.T) {
	bins := dumpBins(t)
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT NOT NULL DEFAULT 3, s VARCHAR(20), KEY (n))",
		"INSERT INTO gitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd'), (5, 5, 'e')",
		"CREATE TABLE plain (id INT AUTO_INCREMENT PRIMARY KEY, g INT)",
		"INSERT INTO plain (g) VALUES (1), (2), (3)",
		"CREATE VIEW v AS SELECT id, g FROM plain",
		"CREATE TRIGGER trg BEFORE INSERT ON plain FOR EACH ROW SET NEW.g = NEW.g + 1",
		"CREATE PROCEDURE p1() SELECT 1",
		"CREATE FUNCTION f1() RETURNS INT DETERMINISTIC RETURN 1",
	)
	steps := []wireStep{
		{0, "LOCK TABLES plain READ"},
		{0, "SHOW EVENTS"}, {0, "SHOW TABLES"}, {0, "SHOW FULL TABLES"}, {0, "SHOW TRIGGERS LIKE 'gitems'"},
		{0, "SHOW COLUMNS FROM gitems"}, {0, "SHOW CREATE TABLE gitems"}, {0, "SELECT * FROM gitems"},
		{0, "SHOW PACKAGE STATUS LIKE 'x'"}, {0, "SHOW PACKAGE BODY STATUS WHERE Name = 'x'"},
		{0, "UNLOCK TABLES"},
	}
	compareWireSessions(t, f, 1, steps)

	clean := regexp.MustCompile(`(?m)^-- (Host|Server version|Dump completed).*$|DEFINER=` + "`[^`]*`@`[^`]*`")
	dump := func(port int, user, pass, db string) string {
		out, err := runClientAs(t, bins.dump, nil, port, user, pass, db, "--routines", "--triggers", "--events")
		if err != nil {
			t.Fatalf("mariadb-dump of %s: %v\n%s", db, err, out.stderr)
		}
		return clean.ReplaceAllString(strings.NewReplacer("`"+db+"`", "`DB`", "'"+db+"'", "'DB'").Replace(string(out.stdout)), "")
	}
	got, want := dump(f.p.Port(), appUser, appPass, "shop"), dump(f.s0.Port(), "root", "", "direct")
	if !strings.Contains(want, "FUNCTION `f1`") || !strings.Contains(want, "PROCEDURE `p1`") || !strings.Contains(want, "(1,1,'a'),\n(2,2,'b')") {
		t.Fatalf("the dump of one MariaDB lacks the routines or rows:\n%s", want)
	}
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			if i >= len(gl) || i >= len(wl) || gl[i] != wl[i] {
				t.Fatalf("dump through the proxy differs at line %d:\n proxy:   %q\n MariaDB: %q", i+1, at(gl, i), at(wl, i))
			}
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end)"
}
