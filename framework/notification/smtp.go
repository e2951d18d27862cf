package notification

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPProvider sends "email" notifications through an SMTP server, with
// github.com/wneessen/go-mail.
type SMTPProvider struct {
	// Addr is host:port of the server.
	Addr string
	// From is the sender, "Store <no-reply@example.com>" or a bare address.
	From string
	// Username and Password, when set, authenticate with PLAIN, which is
	// sent only over TLS or to a server on localhost.
	Username, Password string
	// TLS configures STARTTLS, used when the server offers it. Nil verifies
	// the server's certificate against the host name of Addr; set
	// InsecureSkipVerify only in tests.
	TLS *tls.Config
	// RequireTLS refuses to send when the server does not offer STARTTLS
	// (production sets it).
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
	if err := p.deliver(ctx, msg); err != nil {
		return fmt.Errorf("notification: smtp: send %q to %s: %w", n.Template, to.Address, err)
	}
	return nil
}

func (p *SMTPProvider) deliver(ctx context.Context, msg *gomail.Msg) error {
	host, portText, err := net.SplitHostPort(p.Addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", p.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("address %q: port: %w", p.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	policy := gomail.TLSOpportunistic
	if p.RequireTLS {
		policy = gomail.TLSMandatory
	}
	cfg := p.TLS
	if cfg == nil {
		cfg = &tls.Config{ServerName: host}
	}
	// go-mail bounds the exchange with its timeout but uses ctx only to
	// dial (with a context of its own that ends once connected): closing
	// the connection when ctx ends also unblocks a stalled exchange on
	// cancellation.
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(cfg),
		gomail.WithTimeout(max(time.Until(deadline), time.Millisecond)),
		gomail.WithDialContextFunc(dial),
	}
	if p.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(p.Username), gomail.WithPassword(p.Password))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return err
	}
	return client.DialAndSendWithContext(ctx, msg)
}

// message builds the message. Header values come from parsed addresses and
// a Q-encoded subject, and a subject with a line break is refused, so CR/LF
// cannot inject headers.
func (p *SMTPProvider) message(from, to *mail.Address, n Notification) (*gomail.Msg, error) {
	if strings.ContainsAny(n.Subject, "\r\n") {
		return nil, fmt.Errorf("notification: smtp: subject of %q contains a line break", n.Template)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	m := gomail.NewMsg(gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8), gomail.WithNoDefaultUserAgent())
	if err := m.From(from.String()); err != nil {
		return nil, fmt.Errorf("notification: smtp: sender %q: %w", from, err)
	}
	if err := m.To(to.String()); err != nil {
		return nil, fmt.Errorf("notification: smtp: recipient %q: %w", to, err)
	}
	m.Subject(n.Subject)
	m.SetDateWithValue(now())
	// A Message-ID on the sender's domain (go-mail's own names this host).
	var id [12]byte
	_, _ = rand.Read(id[:])
	m.SetMessageIDWithValue(hex.EncodeToString(id[:]) + "@" + from.Address[strings.LastIndexByte(from.Address, '@')+1:])
	m.SetBodyString(gomail.TypeTextPlain, n.Text)
	if n.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, n.HTML)
	}
	return m, nil
}
