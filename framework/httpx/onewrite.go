package httpx

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// net/http writes a response through a 4 KiB buffer: a body larger than
// what is left of it after the header goes out in two writes (the full
// buffer, then the rest of the body), two TCP segments the client reads
// separately. On loopback that costs about 11 µs of CPU more per 12.7 kB
// response than one write (sender and receiver; docs/perf/api.md).
// OneWriteListener and WriteWhole send such a response with one write.

// OneWriteListener wraps ln's connections so that WriteWhole can send a
// whole response with one write. Use it with ConnContext:
//
//	srv := &http.Server{Handler: h, ConnContext: httpx.ConnContext}
//	srv.Serve(httpx.OneWriteListener(ln))
//
// The connections behave as ln's otherwise.
func OneWriteListener(ln net.Listener) net.Listener { return oneWriteListener{ln} }

type oneWriteListener struct{ net.Listener }

func (l oneWriteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &holdConn{Conn: c}, nil
}

// holdConn holds what is written to it between hold and release, and
// writes it at release with one write. Only the goroutine serving the
// connection's current request (the one calling WriteWhole) writes to an
// HTTP/1 connection, so it needs no lock.
type holdConn struct {
	net.Conn
	held *[]byte // non-nil between hold and release
}

func (c *holdConn) Write(p []byte) (int, error) {
	if c.held != nil {
		*c.held = append(*c.held, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite shuts down the writing side, as *net.TCPConn does (net/http
// uses it to close a connection gracefully).
func (c *holdConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// ReadFrom lets net/http copy a file with sendfile, as on a *net.TCPConn.
func (c *holdConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok && c.held == nil {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c}, r)
}

type writerOnly struct{ io.Writer }

// holdBufs recycles the buffers of holdConn; buffers grown beyond
// maxHeldBuf are left to the GC.
var holdBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxHeldBuf = 256 << 10

func (c *holdConn) hold() {
	b := holdBufs.Get().(*[]byte)
	*b = (*b)[:0]
	c.held = b
}

func (c *holdConn) release() error {
	b := c.held
	c.held = nil
	var err error
	if len(*b) > 0 {
		_, err = c.Conn.Write(*b)
	}
	if cap(*b) <= maxHeldBuf {
		holdBufs.Put(b)
	}
	return err
}

type connKey struct{}

// ConnContext is an http.Server ConnContext that makes the connection
// reachable by WriteWhole.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if hc, ok := c.(*holdConn); ok {
		return context.WithValue(ctx, connKey{}, hc)
	}
	return ctx
}

// WriteWhole answers status with body (Content-Length set, the other
// headers as set on w) and, when r came over a connection of
// OneWriteListener to a server with ConnContext, sends the status line,
// the headers and the body with one write. Otherwise, and over HTTP/2, it
// writes through w as usual. The bytes on the wire are the same either way.
func WriteWhole(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	c, ok := r.Context().Value(connKey{}).(*holdConn)
	if !ok || r.ProtoMajor != 1 || c.held != nil {
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	c.hold()
	w.WriteHeader(status)
	_, _ = w.Write(body)
	// Flush pushes net/http's buffered header and body into c; the
	// response is complete (Content-Length), so nothing follows it.
	_ = http.NewResponseController(w).Flush()
	_ = c.release()
}
