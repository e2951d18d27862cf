package httpx

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Every open connection costs the server memory whether or not it carries
// a request (its goroutine's stack, its read buffer): a crowd of clients
// can push the heap past the process's memory limit, where the garbage
// collector runs without pause and throughput collapses. LimitConnections
// bounds them.

// LimitConnections returns ln serving at most max connections at once
// (max ≤ 0: no limit). A connection beyond them is answered at once, on a
// short-lived goroutine of its own, with Medusa's error shape: 503
// {type: "unavailable", code: "overloaded"}, Retry-After and
// "Connection: close" (its request is read, at most 8 KiB and 250 ms, and
// dropped), then closed; beyond max more such answers in progress,
// connections are closed at once.
func LimitConnections(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimiter{Listener: ln, max: int64(max)}
}

type connLimiter struct {
	net.Listener
	max      int64
	open     atomic.Int64
	shedding atomic.Int64
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &countedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		if l.shedding.Add(1) > l.max {
			l.shedding.Add(-1)
			_ = c.Close()
			continue
		}
		go l.shed(c)
	}
}

// shedBody is the JSON body of a connection turned away.
var shedBody = func() []byte {
	_, body := merrors.HTTP(merrors.NewUnavailable(merrors.CodeOverloaded, nil))
	b, _ := json.Marshal(body)
	return b
}()

var shedResponse = []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
	strconv.Itoa(len(shedBody)) + "\r\n\r\n" + string(shedBody))

var shedBufs = sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}

const shedWindow = 250 * time.Millisecond

// shed answers c's request with shedResponse and closes it. The request is
// read first and what follows it drained after the answer, so that the
// close does not reset the connection before the client read the answer.
func (l *connLimiter) shed(c net.Conn) {
	defer l.shedding.Add(-1)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(shedWindow))
	bp := shedBufs.Get().(*[]byte)
	defer shedBufs.Put(bp)
	buf := *bp
	n := 0
	for n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil || bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
			break
		}
	}
	if _, err := c.Write(shedResponse); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// countedConn gives its place back when closed.
type countedConn struct {
	net.Conn
	l    *connLimiter
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}

// CloseWrite and ReadFrom keep what *net.TCPConn offers net/http.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}

func (c *countedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}
