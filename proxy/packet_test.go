package proxy

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadPacket(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 0xffffff) // exactly one full chunk: a second must follow
	tests := []struct {
		name      string
		stream    []byte
		seq       uint8
		max       int64
		want      []byte
		wantSeq   uint8
		wantErr   func(error) bool
		wantOver  bool
		wantAfter int // bytes still unread in the stream afterwards
	}{
		{name: "one packet", stream: framed(0, []byte("\x03SELECT 1")), max: 1 << 20, want: []byte("\x03SELECT 1"), wantSeq: 1},
		{name: "the next command's bytes stay unread", stream: append(framed(0, []byte("\x0e")), framed(0, []byte("\x0e"))...), max: 1 << 20, want: []byte("\x0e"), wantSeq: 1, wantAfter: 5},
		{name: "empty payload", stream: framed(0, nil), max: 1 << 20, want: []byte{}, wantSeq: 1},
		{name: "a full chunk and its continuation", stream: append(framed(3, big), framed(4, []byte("yz"))...), seq: 3, max: 32 << 20,
			want: append(append([]byte{}, big...), "yz"...), wantSeq: 5},
		{name: "a full chunk and an empty continuation", stream: append(framed(0, big), framed(1, nil)...), max: 32 << 20, want: big, wantSeq: 2},
		{name: "out of order", stream: framed(2, []byte("\x0e")), max: 1 << 20, wantSeq: 0, wantErr: isOutOfOrder, wantAfter: 5},
		{name: "too large: refused from its header, payload left unread", stream: framed(0, bytes.Repeat([]byte("a"), 5000)), max: 1000,
			wantSeq: 1, wantErr: func(err error) bool { return errors.Is(err, errPacketTooLarge) }, wantOver: true, wantAfter: 5000},
		{name: "continuation past the limit", stream: append(framed(0, big), framed(1, []byte("yz"))...), max: 0xffffff + 1,
			wantSeq: 2, wantErr: func(err error) bool { return errors.Is(err, errPacketTooLarge) }, wantOver: true, wantAfter: 2},
		{name: "truncated payload", stream: framed(0, []byte("\x03SELECT 1"))[:8], max: 1 << 20, wantSeq: 1,
			wantErr: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{name: "truncated header", stream: []byte{5, 0}, max: 1 << 20,
			wantErr: func(err error) bool { return errors.Is(err, io.EOF) }, wantAfter: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := bufio.NewReaderSize(bytes.NewReader(tt.stream), 16<<10)
			seq := tt.seq
			p := limitedPacket{max: tt.max}
			err := readPacket(rd, &seq, &p)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr == nil && !bytes.Equal(p.b, tt.want) {
				t.Errorf("payload = %.40q (%d bytes), want %.40q (%d bytes)", p.b, len(p.b), tt.want, len(tt.want))
			}
			if seq != tt.wantSeq {
				t.Errorf("sequence = %d, want %d", seq, tt.wantSeq)
			}
			if p.over != tt.wantOver {
				t.Errorf("over = %v, want %v", p.over, tt.wantOver)
			}
			rest, _ := io.ReadAll(rd)
			if len(rest) != tt.wantAfter {
				t.Errorf("%d bytes left unread, want %d", len(rest), tt.wantAfter)
			}
		})
	}
}

// A client that announces a large packet and sends a little of it holds
// memory for what it sent, not for what it announced.
func TestReadPacketGrowsAsBytesArrive(t *testing.T) {
	stream := framed(0, bytes.Repeat([]byte("a"), 10_000_000))[:4+100]
	rd := bufio.NewReaderSize(bytes.NewReader(stream), 16<<10)
	var seq uint8
	p := limitedPacket{max: 64 << 20}
	if err := readPacket(rd, &seq, &p); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want an unexpected EOF", err)
	}
	if len(p.b) != 100 || cap(p.b) > 4096 {
		t.Errorf("after 100 of 10,000,000 announced bytes: len %d, cap %d; want 100 and at most 4096", len(p.b), cap(p.b))
	}
}

// Served sessions of a server that offers TLS read commands directly
// unless the client switched to TLS, so the proxy's own tests run the
// direct path; a TLS client's commands still go through go-mysql.
func TestDirectReadsOnlyBeneathNoTLS(t *testing.T) {
	cfg := opsConfig(t, `[{name: app, password: app-pw}]`, `{}`)
	srv, addr := startOps(t, cfg)
	direct := func() []bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		var out []bool
		for _, s := range srv.sessions {
			out = append(out, s.directReads)
		}
		return out
	}
	c, err := connect(addr, "app", "app-pw", "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	// A command larger than the 16 KiB read buffer, answered by the proxy.
	r, err := c.Execute("SHOW SHARD FOR shop.orders '" + strings.Repeat("x", 40_000) + "'")
	if err != nil {
		t.Fatal(err)
	}
	if r.RowNumber() != 1 {
		t.Errorf("SHOW SHARD FOR a 40 KB key: %d rows, want 1", r.RowNumber())
	}
	if got := direct(); len(got) != 1 || !got[0] {
		t.Fatalf("plain session: directReads %v, want [true]", got)
	}
	c.Close()
	waitFor(t, "the session to end", func() bool { return len(direct()) == 0 })

	tc, err := connect(addr, "app", "app-pw", "shop", &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := tc.Execute("SHOW SHARD FOR shop.orders '" + strings.Repeat("x", 40_000) + "'"); err != nil {
		t.Fatal(err)
	}
	if got := direct(); len(got) != 1 || got[0] {
		t.Fatalf("TLS session: directReads %v, want [false]", got)
	}
}
