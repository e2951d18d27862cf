package notification_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/notification"
)

const acceptLink = "http://localhost:9000/app/invite?token=eyJhbGciOiJIUzI1NiJ9.eyJpZCI6Imludml0ZV8wMUpCIiwiZW1haWwiOiJqYW5lQGV4YW1wbGUuY29tIn0.sig"

func invite() notification.Notification {
	return notification.Notification{
		To: "Jane Doe <jane@example.com>", Template: "user-invite",
		Subject: "Vous êtes invitée à rejoindre la boutique",
		Text:    "Hello,\nyou were invited. Accept the invite:\n" + acceptLink + "\n",
		Data:    map[string]any{"invite_id": "invite_01JB", "accept_link": acceptLink},
	}
}

func decodeQP(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestSMTPProviderSendsText(t *testing.T) {
	srv := newSMTPServer(t, nil)
	fixed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	p := &notification.SMTPProvider{Addr: srv.Addr(), From: "Store <no-reply@store.test>", Now: func() time.Time { return fixed }}
	if err := p.Send(context.Background(), invite()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "no-reply@store.test" || !slices.Equal(m.To, []string{"jane@example.com"}) {
		t.Fatalf("envelope %q → %v", m.From, m.To)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || subject != invite().Subject {
		t.Fatalf("subject %q (%v)", subject, err)
	}
	if to := parsed.Header.Get("To"); !strings.Contains(to, "jane@example.com") {
		t.Fatalf("To: %q", to)
	}
	if d, _ := parsed.Header.Date(); !d.Equal(fixed) {
		t.Fatalf("Date: %v", d)
	}
	if ct := parsed.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type: %q", ct)
	}
	if body := decodeQP(t, parsed.Body); body != invite().Text {
		t.Fatalf("body %q, want %q", body, invite().Text)
	}
	for _, l := range strings.Split(m.Data, "\r\n") {
		if len(l) > 998 {
			t.Fatalf("line longer than RFC 5322 allows: %d", len(l))
		}
	}
}

func TestSMTPProviderSendsHTMLAlternative(t *testing.T) {
	srv := newSMTPServer(t, nil)
	p := &notification.SMTPProvider{Addr: srv.Addr(), From: "no-reply@store.test"}
	n := invite()
	n.HTML = `<p>Accept the invite: <a href="` + acceptLink + `">accept</a></p>`
	if err := p.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(srv.messages()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(parsed.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v)", mt, err)
	}
	mr := multipart.NewReader(parsed.Body, params["boundary"])
	var got []string
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		mt, params, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, mt+"; charset="+strings.ToLower(params["charset"])+"|"+decodeQP(t, part))
	}
	want := []string{"text/plain; charset=utf-8|" + n.Text, "text/html; charset=utf-8|" + n.HTML}
	if !slices.Equal(got, want) {
		t.Fatalf("parts %q", got)
	}
}

func TestSMTPProviderFailures(t *testing.T) {
	ctx := context.Background()
	srv := newSMTPServer(t, func(s *smtpServer) { s.reject = "gone@example.com" })
	p := &notification.SMTPProvider{Addr: srv.Addr(), From: "no-reply@store.test"}

	n := invite()
	n.To = "gone@example.com"
	if err := p.Send(ctx, n); err == nil || !strings.Contains(err.Error(), "RCPT TO") || !strings.Contains(err.Error(), "550") {
		t.Fatalf("rejected recipient: %v", err)
	}
	for name, bad := range map[string]func(*notification.Notification){
		"header injection": func(n *notification.Notification) { n.Subject = "hi\r\nBcc: everyone@example.com" },
		"bad recipient":    func(n *notification.Notification) { n.To = "not an address" },
		"no recipient":     func(n *notification.Notification) { n.To = "" },
		"other channel":    func(n *notification.Notification) { n.Channel = "sms" },
	} {
		n := invite()
		bad(&n)
		if err := p.Send(ctx, n); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if len(srv.messages()) != 0 {
		t.Fatalf("server received %d messages", len(srv.messages()))
	}
	if err := (&notification.SMTPProvider{Addr: srv.Addr(), From: "nope"}).Send(ctx, invite()); err == nil {
		t.Error("bad sender accepted")
	}
	if err := (&notification.SMTPProvider{Addr: srv.Addr(), From: "a@b.test", RequireTLS: true}).Send(ctx, invite()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("RequireTLS without STARTTLS: %v", err)
	}
}

// A server that never answers: Send returns when ctx ends, is cancelled,
// or (with no deadline in ctx) after the provider's Timeout.
func TestSMTPProviderStalledServer(t *testing.T) {
	mute := muteServer(t)
	p := &notification.SMTPProvider{Addr: mute, From: "a@b.test"}
	tctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := p.Send(tctx, invite()); err == nil {
		t.Error("deadline: no error")
	}
	cctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if err := p.Send(cctx, invite()); err == nil {
		t.Error("cancelled: no error")
	}
	p.Timeout = 200 * time.Millisecond
	if err := p.Send(context.Background(), invite()); err == nil {
		t.Error("Timeout: no error")
	}
}

// A server offering STARTTLS gets the message over TLS, its certificate
// verified; RequireTLS (production) then sends; an untrusted certificate
// is refused rather than sent in clear.
func TestSMTPProviderSTARTTLS(t *testing.T) {
	ctx := context.Background()
	serverTLS, clientTLS := testCert(t)
	srv := newSMTPServer(t, func(s *smtpServer) { s.tls = serverTLS })
	for _, require := range []bool{false, true} {
		p := &notification.SMTPProvider{Addr: srv.Addr(), From: "no-reply@store.test", TLS: clientTLS, RequireTLS: require}
		if err := p.Send(ctx, invite()); err != nil {
			t.Fatalf("RequireTLS %v: %v", require, err)
		}
	}
	msgs := srv.messages()
	if len(msgs) != 2 || !msgs[0].TLS || !msgs[1].TLS {
		t.Fatalf("messages %+v, want two over TLS", msgs)
	}
	// The default configuration verifies the certificate: a self-signed one fails.
	if err := (&notification.SMTPProvider{Addr: srv.Addr(), From: "no-reply@store.test"}).Send(ctx, invite()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	if n := len(srv.messages()); n != 2 {
		t.Fatalf("%d messages after the refused one", n)
	}
}

// Username and Password authenticate with PLAIN over TLS; wrong ones fail
// with the server's answer and send nothing.
func TestSMTPProviderAuth(t *testing.T) {
	ctx := context.Background()
	serverTLS, clientTLS := testCert(t)
	srv := newSMTPServer(t, func(s *smtpServer) { s.tls, s.user, s.password = serverTLS, "mailer", "s3cret" })
	p := &notification.SMTPProvider{Addr: srv.Addr(), From: "no-reply@store.test", TLS: clientTLS, RequireTLS: true, Username: "mailer", Password: "wrong"}
	if err := p.Send(ctx, invite()); err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("wrong password: %v", err)
	}
	p.Password = ""
	p.Username = ""
	if err := p.Send(ctx, invite()); err == nil || !strings.Contains(err.Error(), "authenticate") {
		t.Fatalf("no credentials: %v", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Fatalf("%d messages sent without authentication", n)
	}
	p.Username, p.Password = "mailer", "s3cret"
	if err := p.Send(ctx, invite()); err != nil {
		t.Fatal(err)
	}
	if m := srv.messages(); len(m) != 1 || m[0].User != "mailer" || !m[0].TLS {
		t.Fatalf("messages %+v", m)
	}
}

func TestLogProviderWritesTheLink(t *testing.T) {
	var buf bytes.Buffer
	p := notification.LogProvider{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := p.Send(context.Background(), invite()); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["msg"] != "notification" || rec["to"] != invite().To || rec["template"] != "user-invite" || !strings.Contains(rec["text"].(string), acceptLink) {
		t.Fatalf("log record %v", rec)
	}
	if err := p.Send(context.Background(), notification.Notification{}); err == nil {
		t.Fatal("no recipient accepted")
	}
}

func TestRecordIDs(t *testing.T) {
	for in, want := range map[string][]string{`{"id":"a"}`: {"a"}, `{"id":["a","b"]}`: {"a", "b"}} {
		got, err := notification.RecordIDs(json.RawMessage(in))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("RecordIDs(%s) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{`{}`, `null`, `{"id":""}`, `{"id":[]}`, `{"id":["a",""]}`, `{"id":3}`, `not json`} {
		if got, err := notification.RecordIDs(json.RawMessage(in)); err == nil {
			t.Errorf("RecordIDs(%s) = %v, want an error", in, got)
		}
	}
}
