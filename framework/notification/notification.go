package notification

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/medusa-go/medusa/framework/container"
)

// Notification is one message to one recipient.
type Notification struct {
	// To is the recipient: an e-mail address for the "email" channel.
	To string
	// Channel is "email" (default) or another channel a provider handles.
	Channel string
	// Template names what is sent ("user-invite"), for providers that render
	// their own templates and for the log.
	Template string
	// Subject and Text are the rendered message; HTML is optional.
	Subject string
	Text    string
	HTML    string
	// Data is what the message was rendered from (invite id, accept link...).
	Data map[string]any
}

// Provider delivers notifications.
type Provider interface {
	Send(ctx context.Context, n Notification) error
}

// Key is the notification provider's container key.
var Key = container.NewKey[Provider]("notification")

// ProviderFunc adapts a function to Provider.
type ProviderFunc func(ctx context.Context, n Notification) error

// Send implements Provider.
func (f ProviderFunc) Send(ctx context.Context, n Notification) error { return f(ctx, n) }

// LogProvider writes notifications to a logger (slog.Default() when nil):
// the development default, like Medusa's local notification provider.
type LogProvider struct {
	Logger *slog.Logger
}

// Send implements Provider.
func (p LogProvider) Send(ctx context.Context, n Notification) error {
	if err := n.validate(); err != nil {
		return err
	}
	l := p.Logger
	if l == nil {
		l = slog.Default()
	}
	attrs := []any{"to", n.To, "channel", n.channel(), "template", n.Template, "subject", n.Subject, "text", n.Text}
	if len(n.Data) > 0 {
		attrs = append(attrs, "data", n.Data)
	}
	l.InfoContext(ctx, "notification", attrs...)
	return nil
}

func (n Notification) channel() string {
	if n.Channel == "" {
		return "email"
	}
	return n.Channel
}

func (n Notification) validate() error {
	if strings.TrimSpace(n.To) == "" {
		return fmt.Errorf("notification %q: no recipient", n.Template)
	}
	return nil
}
