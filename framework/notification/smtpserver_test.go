package notification_test

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// smtpServer is a minimal SMTP server on loopback for tests: it speaks
// enough of RFC 5321 for net/smtp (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT), records what it receives, and rejects one recipient on demand.
type smtpServer struct {
	ln     net.Listener
	reject string // RCPT address answered with 550
	mute   bool   // accept connections but never greet

	mu   sync.Mutex
	msgs []received
	wg   sync.WaitGroup
}

type received struct {
	From string
	To   []string
	Data string
}

func newSMTPServer(t *testing.T, configure func(*smtpServer)) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	if configure != nil {
		configure(s)
	}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) Addr() string { return s.ln.Addr().String() }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	if s.mute {
		_, _ = io.Copy(io.Discard, c)
		return
	}
	r := textproto.NewReader(bufio.NewReader(c))
	w := textproto.NewWriter(bufio.NewWriter(c))
	reply := func(lines ...string) {
		for _, l := range lines {
			_ = w.PrintfLine("%s", l)
		}
	}
	reply("220 test.local ESMTP")
	var cur received
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-test.local", "250 8BITMIME")
		case "HELO", "NOOP":
			reply("250 ok")
		case "RSET":
			cur = received{}
			reply("250 ok")
		case "MAIL":
			cur = received{From: addrOf(arg)}
			reply("250 ok")
		case "RCPT":
			a := addrOf(arg)
			if a == s.reject {
				reply("550 5.1.1 no such user")
				continue
			}
			cur.To = append(cur.To, a)
			reply("250 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			b, err := io.ReadAll(r.DotReader())
			if err != nil {
				return
			}
			cur.Data = string(b)
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// addrOf extracts the address of "FROM:<a@b>" or "TO:<a@b> ...".
func addrOf(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}
