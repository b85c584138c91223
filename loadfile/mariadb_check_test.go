//go:build mariadbcheck

package loadfile

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestCasesAgainstMariaDB loads every readCase into a real MariaDB
// (LOADFILE_DSN, e.g. user:pw@tcp(127.0.0.1:3306)/test) and checks that
// it stores the rows the reader reads:
//
//	LOADFILE_DSN='...' go test -tags mariadbcheck -run TestCasesAgainstMariaDB ./loadfile/
func TestCasesAgainstMariaDB(t *testing.T) {
	dsn := os.Getenv("LOADFILE_DSN")
	if dsn == "" {
		t.Fatal("set LOADFILE_DSN")
	}
	db, err := sql.Open("mysql", dsn+"?allowAllFiles=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, c := range readCases {
		t.Run(c.name, func(t *testing.T) {
			mysql.RegisterReaderHandler("case", func() io.Reader { return strings.NewReader(c.file) })
			for _, q := range []string{"DROP TABLE IF EXISTS lf", "CREATE TABLE lf (n INT AUTO_INCREMENT PRIMARY KEY, a BLOB, b BLOB, c BLOB)"} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			cs := c.charset
			if cs == "" {
				cs = "utf8mb4"
			}
			clauses := c.clauses
			if !strings.Contains(clauses, "CHARACTER SET") {
				clauses = "CHARACTER SET " + cs + " " + clauses
			}
			if _, err := db.Exec("LOAD DATA LOCAL INFILE 'Reader::case' INTO TABLE lf " + clauses + " (a, b, c)"); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query("SELECT a, b, c FROM lf ORDER BY n")
			if err != nil {
				t.Fatal(err)
			}
			var got [][]*string
			for rows.Next() {
				var a, b, cc sql.NullString
				if err := rows.Scan(&a, &b, &cc); err != nil {
					t.Fatal(err)
				}
				var r []*string
				for _, v := range []sql.NullString{a, b, cc} {
					if v.Valid {
						r = append(r, sp(v.String))
					} else {
						r = append(r, nil)
					}
				}
				got = append(got, r)
			}
			mine, _ := readAll(t, c)
			if len(mine) != len(got) {
				t.Fatalf("MariaDB loaded %d rows %s, the reader reads %d %s", len(got), show(got), len(mine), show(mine))
			}
			for i := range mine {
				if show([][]*string{mine[i]}) != show([][]*string{got[i][:len(mine[i])]}) {
					t.Errorf("row %d: MariaDB %s, reader %s", i+1, show([][]*string{got[i]}), show([][]*string{mine[i]}))
				}
			}
			fmt.Printf("%s: %d rows agree\n", c.name, len(mine))
		})
	}
}
