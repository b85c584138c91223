package harness

import (
	"context"
	"database/sql"
	"fmt"
)

// XARecover lists the prepared XA branches of a server (any formatID) as
// "formatID/gtrid/bqual" (gtrid and bqual printable for the proxy's xids,
// hex otherwise).
func XARecover(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "XA RECOVER")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var fid, gl, bl int64
		var data []byte
		if err := rows.Scan(&fid, &gl, &bl, &data); err != nil {
			return nil, err
		}
		if gl >= 0 && bl >= 0 && int(gl+bl) <= len(data) {
			out = append(out, fmt.Sprintf("%d/%s/%s", fid, data[:gl], data[gl:gl+bl]))
		} else {
			out = append(out, fmt.Sprintf("%d/%x", fid, data))
		}
	}
	return out, rows.Err()
}
