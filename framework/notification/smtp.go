package notification

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// SMTPProvider sends "email" notifications through an SMTP server.
type SMTPProvider struct {
	// Addr is host:port of the server.
	Addr string
	// From is the sender, "Store <no-reply@example.com>" or a bare address.
	From string
	// Username and Password, when set, authenticate with PLAIN (which
	// net/smtp allows only over TLS or to localhost).
	Username, Password string
	// TLS configures STARTTLS, used when the server offers it. Nil uses the
	// host name of Addr; set InsecureSkipVerify only in tests.
	TLS *tls.Config
	// RequireTLS refuses to send when the server does not offer STARTTLS.
	RequireTLS bool
	// Timeout bounds one Send when ctx has no deadline (default 30s).
	Timeout time.Duration
	// Now stamps the Date header (default time.Now).
	Now func() time.Time
}

// Send implements Provider: one message to n.To, text/plain, or
// multipart/alternative when n.HTML is set.
func (p *SMTPProvider) Send(ctx context.Context, n Notification) error {
	if err := n.validate(); err != nil {
		return err
	}
	if c := n.channel(); c != "email" {
		return fmt.Errorf("notification: smtp: channel %q is not email", c)
	}
	from, err := mail.ParseAddress(p.From)
	if err != nil {
		return fmt.Errorf("notification: smtp: sender %q: %w", p.From, err)
	}
	to, err := mail.ParseAddress(n.To)
	if err != nil {
		return fmt.Errorf("notification: smtp: recipient %q: %w", n.To, err)
	}
	msg, err := p.message(from, to, n)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		timeout := p.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if err := p.deliver(ctx, from.Address, to.Address, msg); err != nil {
		return fmt.Errorf("notification: smtp: send %q to %s: %w", n.Template, to.Address, err)
	}
	return nil
}

func (p *SMTPProvider) deliver(ctx context.Context, from, to string, msg []byte) (err error) {
	host, _, err := net.SplitHostPort(p.Addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", p.Addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Closing the connection when ctx ends unblocks a stalled exchange.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := p.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	} else if p.RequireTLS {
		return errors.New("server does not offer STARTTLS and RequireTLS is set")
	}
	if p.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", p.Username, p.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}

// message renders the RFC 5322 message. Header values come from parsed
// addresses and a Q-encoded subject, so CR/LF cannot inject headers.
func (p *SMTPProvider) message(from, to *mail.Address, n Notification) ([]byte, error) {
	if strings.ContainsAny(n.Subject, "\r\n") {
		return nil, fmt.Errorf("notification: smtp: subject of %q contains a line break", n.Template)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	hdr("Date", now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	part := func(ctype, body string) error {
		fmt.Fprintf(&b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", ctype)
		qw := quotedprintable.NewWriter(&b)
		// In text mode the writer turns line breaks into CRLF.
		if _, err := qw.Write([]byte(body)); err != nil {
			return err
		}
		return qw.Close()
	}
	if n.HTML == "" {
		if err := part("text/plain", n.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	boundary := "medusa-" + hex.EncodeToString(id[:6])
	hdr("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, x := range []struct{ t, body string }{{"text/plain", n.Text}, {"text/html", n.HTML}} {
		b.WriteString("--" + boundary + "\r\n")
		if err := part(x.t, x.body); err != nil {
			return nil, err
		}
		b.WriteString("\r\n") // the CRLF before a boundary belongs to it
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
}
