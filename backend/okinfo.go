package backend

import "github.com/go-mysql-org/go-mysql/mysql"

// OKInfo is the human-readable info of an OK packet ("Rows matched: 3
// Changed: 1  Warnings: 0"); rest is the packet after its status and
// warning counts. MariaDB writes it as a length-encoded string whether or
// not CLIENT_SESSION_TRACK was negotiated (net_send_ok); a packet whose
// rest does not read so is taken as plain text.
func OKInfo(rest []byte) string {
	n, _, k := mysql.LengthEncodedInt(rest)
	if k == 0 || uint64(len(rest)-k) < n {
		return string(rest)
	}
	return string(rest[k : k+int(n)])
}
