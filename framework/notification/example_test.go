package notification_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/notification"
)

func ExampleLogProvider() {
	// A handler without the time, so the output is stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	p := notification.LogProvider{Logger: logger}
	_ = p.Send(context.Background(), notification.Notification{
		To: "ann@example.com", Template: "user-invite", Subject: "You are invited",
		Text: "http://localhost:9000/app/invite?token=abc",
	})
	// Output:
	// level=INFO msg=notification to=ann@example.com channel=email template=user-invite subject="You are invited" text="http://localhost:9000/app/invite?token=abc"
}

// The invite subscriber: the loader reads the invite by id and builds its
// accept link. (An application's notification module subscribes it with a
// loader that reads the invite from the User Module.)
func ExampleInviteSubscriber() {
	root := container.New()
	container.MustRegister[notification.Provider](root, notification.Key, notification.LogProvider{})
	sub := notification.InviteSubscriber(func(ctx context.Context, c *container.Container, id string) (notification.Notification, bool, error) {
		// users, err := container.Resolve(c, user.Key); invite, err := users.RetrieveInvite(ctx, id)
		email, token := "ann@example.com", "token-of-"+id
		return notification.Notification{
			To: email, Template: "user-invite", Subject: "You are invited",
			Text: "Accept your invite: http://localhost:9000/app/invite?token=" + token,
			Data: map[string]any{"invite_id": id},
		}, true, nil
	})
	_ = sub // bus.Subscribe(sub)
}

// The provider is registered under notification.Key. An application's
// notification module does it from the environment (SMTP when SMTP_ADDR is
// set, else the log provider in development); elsewhere, register one:
func ExampleProvider() {
	root := container.New()
	var p notification.Provider = notification.LogProvider{Logger: slog.Default()}
	if addr := os.Getenv("SMTP_ADDR"); addr != "" {
		p = &notification.SMTPProvider{Addr: addr, From: "Store <no-reply@example.com>", Username: os.Getenv("SMTP_USERNAME"), Password: os.Getenv("SMTP_PASSWORD"), RequireTLS: true}
	}
	container.MustRegister(root, notification.Key, p)
}
