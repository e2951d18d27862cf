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

// The invite subscriber, wired when the User Module lands: the loader reads
// the invite by id and builds its accept link.
func ExampleInviteSubscriber() {
	root := container.New()
	container.MustRegister[notification.Provider](root, notification.Key, notification.LogProvider{})
	sub := notification.InviteSubscriber(func(ctx context.Context, c *container.Container, id string) (notification.Notification, bool, error) {
		// invite, err := container.MustResolve(c, modules.User).RetrieveInvite(ctx, id)
		email, token := "ann@example.com", "token-of-"+id
		return notification.Notification{
			To: email, Template: "user-invite", Subject: "You are invited",
			Text: "Accept your invite: http://localhost:9000/app/invite?token=" + token,
			Data: map[string]any{"invite_id": id},
		}, true, nil
	})
	_ = sub // bus.Subscribe(sub)
}
