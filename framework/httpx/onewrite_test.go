package httpx_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
)

// countingListener counts the writes to its connections.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// serve starts a server for h on loopback, its connections counted and,
// when oneWrite, wrapped by OneWriteListener.
func serve(t *testing.T, h http.Handler, oneWrite bool) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	writes := &atomic.Int64{}
	var l net.Listener = countingListener{ln, writes}
	srv := &http.Server{Handler: h}
	if oneWrite {
		l = httpx.OneWriteListener(l)
		srv.ConnContext = httpx.ConnContext
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), writes
}

// exchange sends the raw requests over one connection (the last one must
// close it) and returns the raw bytes answered, Date headers blanked.
func exchange(t *testing.T, addr, reqs string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, reqs); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return dateHeader.ReplaceAllString(string(b), "Date: -\r\n")
}

var dateHeader = regexp.MustCompile(`Date: [^\r]*\r\n`)

// TestWriteWholeOneWrite checks that WriteWhole over OneWriteListener
// answers the same bytes as without it, and with one write per response
// (two for a 19 kB body without it), over a kept-alive connection.
func TestWriteWholeOneWrite(t *testing.T) {
	body := bytes.Repeat([]byte(`{"k":"0123456789"},`), 1000) // 19 kB
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Request-Id", "abc")
		switch r.URL.Path {
		case "/small":
			httpx.WriteWhole(w, r, http.StatusCreated, []byte(`{}`))
		default:
			httpx.WriteWhole(w, r, http.StatusOK, body)
		}
	})
	reqs := "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	plainAddr, plainWrites := serve(t, h, false)
	oneAddr, oneWrites := serve(t, h, true)
	want := exchange(t, plainAddr, reqs)
	got := exchange(t, oneAddr, reqs)
	if got != want {
		t.Fatalf("responses differ:\n got %.300q\nwant %.300q", got, want)
	}
	if !strings.Contains(got, "Content-Length: 19000\r\n") || !strings.Contains(got, "HTTP/1.1 201 Created") {
		t.Fatalf("unexpected responses %.300q", got)
	}
	if n := oneWrites.Load(); n != 3 {
		t.Errorf("%d writes for 3 responses with OneWriteListener, want 3", n)
	}
	if n := plainWrites.Load(); n != 5 {
		t.Errorf("%d writes for 3 responses without it, want 5 (the test's premise)", n)
	}
	// HEAD: the header only, in one write.
	oneWrites.Store(0)
	head := exchange(t, oneAddr, "HEAD /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.Contains(head, "Content-Length: 19000\r\n") || strings.Contains(head, "0123456789") {
		t.Fatalf("HEAD answered %.300q", head)
	}
	if n := oneWrites.Load(); n != 1 {
		t.Errorf("%d writes for a HEAD, want 1", n)
	}
}
