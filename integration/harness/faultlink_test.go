package harness_test

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// echoServer accepts connections and echoes what it reads; errs receives
// the error that ended each connection's read side (nil for EOF).
type echoServer struct {
	ln   net.Listener
	errs chan error
	wg   sync.WaitGroup
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{ln: ln, errs: make(chan error, 2048)}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				defer c.Close()
				_, err := io.Copy(c, c)
				e.errs <- err
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); e.wg.Wait() })
	return e
}

func dialLink(t *testing.T, l *harness.Link) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.Addr(), 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", l, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg and reads it back, within timeout.
func roundTrip(c net.Conn, msg string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	_ = c.SetDeadline(start.Add(timeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write([]byte(msg)); err != nil {
		return 0, err
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		return 0, err
	}
	if string(buf) != msg {
		return 0, errors.New("echo mismatch: " + string(buf))
	}
	return time.Since(start), nil
}

func mustRoundTrip(t *testing.T, c net.Conn, msg string) time.Duration {
	t.Helper()
	d, err := roundTrip(c, msg, 5*time.Second)
	if err != nil {
		t.Fatalf("round trip %q: %v", msg, err)
	}
	return d
}

// readFails waits up to 2 s for a read on c to fail and returns the error.
func readFails(t *testing.T, c net.Conn) error {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 16)
	for {
		_, err := c.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("read did not fail within 2 s (the connection is still open)")
			}
			return err
		}
	}
}

// dialFails connects to l and returns the error that ends the connection:
// the connect itself (the RST can arrive before the connect completes) or
// the first read.
func dialFails(t *testing.T, l *harness.Link) error {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.Addr(), 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	return readFails(t, c)
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

func TestLinkForwardsAndDelays(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	l := harness.NewLink(t, e.ln.Addr().String())
	if l.Target() != e.ln.Addr().String() || !strings.HasPrefix(l.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr %s Target %s", l.Addr(), l.Target())
	}
	c := dialLink(t, l)
	mustRoundTrip(t, c, "hello")
	big := strings.Repeat("0123456789", 20000) // 200 kB: several chunks
	mustRoundTrip(t, c, big)

	l.SetLatency(100 * time.Millisecond)
	if !l.Faulty() || l.Latency() != 100*time.Millisecond {
		t.Fatalf("Faulty %v Latency %v after SetLatency", l.Faulty(), l.Latency())
	}
	if d := mustRoundTrip(t, c, "slow"); d < 200*time.Millisecond {
		t.Fatalf("round trip with 100ms latency each way took %s, want >= 200ms", d)
	}
	c2 := dialLink(t, l) // new connections are delayed too
	if d := mustRoundTrip(t, c2, "slow2"); d < 200*time.Millisecond {
		t.Fatalf("round trip on a new connection took %s, want >= 200ms", d)
	}
	l.Heal()
	if l.Faulty() {
		t.Fatal("Faulty after Heal")
	}
	if d := mustRoundTrip(t, c, "fast"); d > 150*time.Millisecond {
		t.Fatalf("round trip after Heal took %s", d)
	}
	if acc, ref := l.Stats(); acc != 2 || ref != 0 {
		t.Fatalf("Stats = %d accepted, %d refused; want 2, 0", acc, ref)
	}
}

func TestLinkCut(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	l := harness.NewLink(t, e.ln.Addr().String())
	c := dialLink(t, l)
	mustRoundTrip(t, c, "before")

	l.Cut()
	if err := readFails(t, c); err == nil {
		t.Fatal("no error")
	}
	// New connections are refused (accepted, then reset) until Heal.
	for i := 0; i < 3; i++ {
		if err := dialFails(t, l); !isReset(err) {
			t.Fatalf("connection made while cut: %v, want ECONNRESET", err)
		}
	}
	if _, ref := l.Stats(); ref != 3 {
		t.Fatalf("refused = %d, want 3", ref)
	}
	l.Heal()
	mustRoundTrip(t, dialLink(t, l), "after")
	waitActive(t, l, 1)
}

func TestLinkReset(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	l := harness.NewLink(t, e.ln.Addr().String())
	c := dialLink(t, l)
	mustRoundTrip(t, c, "before")

	l.Reset()
	if err := readFails(t, c); !isReset(err) {
		t.Fatalf("client read after Reset: %v, want ECONNRESET", err)
	}
	select {
	case err := <-e.errs:
		if !isReset(err) {
			t.Fatalf("target read after Reset: %v, want ECONNRESET", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the target side was not closed by Reset")
	}
	// Still accepting, without Heal.
	mustRoundTrip(t, dialLink(t, l), "after")
}

func TestLinkBlackhole(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	l := harness.NewLink(t, e.ln.Addr().String())
	c := dialLink(t, l)
	mustRoundTrip(t, c, "before")

	l.Blackhole()
	if !l.Faulty() {
		t.Fatal("not Faulty while black-holed")
	}
	if _, err := roundTrip(c, "held", 300*time.Millisecond); err == nil {
		t.Fatal("data flowed through a black-holed link")
	}
	n := dialLink(t, l) // accepted and held
	_ = n.SetDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := n.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Read(make([]byte, 3)); err == nil {
		t.Fatal("data flowed on a connection made while black-holed")
	}
	_ = n.SetDeadline(time.Time{})
	if got := l.Active(); got != 2 {
		t.Fatalf("Active = %d while black-holed, want 2 (nothing closed)", got)
	}

	l.Heal()
	// What was held is delivered: the echo of "held" and of "new".
	buf := make([]byte, 4)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "held" {
		t.Fatalf("after Heal: %q %v, want the held data", buf, err)
	}
	buf = buf[:3]
	_ = n.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(n, buf); err != nil || string(buf) != "new" {
		t.Fatalf("after Heal, new connection: %q %v", buf, err)
	}
	mustRoundTrip(t, c, "after")
}

func TestLinkVanish(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	l := harness.NewLink(t, e.ln.Addr().String())
	c := dialLink(t, l)
	mustRoundTrip(t, c, "before")

	l.Vanish()
	if !l.Faulty() {
		t.Fatal("not Faulty while vanished")
	}
	select {
	case <-e.errs: // the target's session ended
	case <-time.After(2 * time.Second):
		t.Fatal("the target side was not closed by Vanish")
	}
	if err := readFails(t, c); !errors.Is(err, io.EOF) {
		t.Fatalf("client read after Vanish: %v, want EOF (a FIN)", err)
	}
	// Then silence: a write is taken and nothing resets; reads still end
	// at the FIN.
	if _, err := c.Write([]byte("anyone?")); err != nil {
		t.Fatalf("write after Vanish: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := readFails(t, c); !errors.Is(err, io.EOF) {
		t.Fatalf("read after a write to a vanished target: %v, want EOF (no reset)", err)
	}
	n := dialLink(t, l) // held, as by Blackhole
	if _, err := roundTrip(n, "new", 300*time.Millisecond); err == nil {
		t.Fatal("data flowed on a connection made while vanished")
	}

	l.Heal()
	// The reset: reads end at the FIN still, writes fail.
	var werr error
	for deadline := time.Now().Add(2 * time.Second); werr == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		_, werr = c.Write([]byte("x"))
	}
	if !isReset(werr) && !errors.Is(werr, syscall.EPIPE) {
		t.Fatalf("write to a vanished connection after Heal: %v, want a reset (ECONNRESET or EPIPE)", werr)
	}
	mustRoundTrip(t, dialLink(t, l), "after")
}

func TestLinkTargetDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	l := harness.NewLink(t, addr)
	if err := dialFails(t, l); !isReset(err) {
		t.Fatalf("read from a link whose target is down: %v, want ECONNRESET", err)
	}
	waitActive(t, l, 0)
}

// Connections beyond MaxLinkConns are refused, and Close ends every
// goroutine the link started.
func TestLinkBoundedAndClosed(t *testing.T) {
	e := startEcho(t)
	before := runtime.NumGoroutine()
	l := harness.NewLink(t, e.ln.Addr().String())
	var conns []net.Conn
	for i := 0; i < harness.MaxLinkConns; i++ {
		c := dialLink(t, l)
		conns = append(conns, c)
	}
	for _, c := range conns[:10] {
		mustRoundTrip(t, c, "x")
	}
	waitActive(t, l, harness.MaxLinkConns)
	if err := dialFails(t, l); !isReset(err) {
		t.Fatalf("connection beyond MaxLinkConns: %v, want ECONNRESET", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Active() != 0 {
		t.Fatalf("Active = %d after Close", l.Active())
	}
	if _, err := net.DialTimeout("tcp", l.Addr(), time.Second); err == nil {
		t.Fatal("the link still accepts after Close")
	}
	if err := l.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	for _, c := range conns {
		c.Close()
	}
	// The echo server's goroutines end once their clients are gone; the
	// link's are gone already.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		os.Stderr.Write(buf)
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
}

func waitActive(t *testing.T, l *harness.Link, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.Active() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Active = %d, want %d", l.Active(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
