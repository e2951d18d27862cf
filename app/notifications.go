package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/notification"
	"github.com/medusa-go/medusa/modules/user"
)

// notificationProvider picks the provider from the environment: SMTP when
// SMTP_ADDR is set, else the log provider (development only: it logs the
// accept link, token included, so a developer can open it; production
// refuses to start without SMTP rather than write tokens to its logs).
func notificationProvider(h *module.Host) (notification.Provider, error) {
	if addr := h.Getenv("SMTP_ADDR"); addr != "" {
		from := h.Getenv("SMTP_FROM")
		if from == "" {
			return nil, fmt.Errorf("SMTP_ADDR is set but SMTP_FROM is not")
		}
		return &notification.SMTPProvider{
			Addr:       addr,
			From:       from,
			Username:   h.Getenv("SMTP_USERNAME"),
			Password:   h.Getenv("SMTP_PASSWORD"),
			RequireTLS: h.Settings.Mode == config.Production,
		}, nil
	}
	if h.Settings.Mode == config.Production {
		h.Logger.Warn("no SMTP_ADDR: invite e-mails are not sent (the log provider is development-only, it would log invite tokens)")
		return notification.ProviderFunc(func(ctx context.Context, n notification.Notification) error {
			h.Logger.WarnContext(ctx, "notification not sent: no provider configured", "to", n.To, "template", n.Template)
			return nil
		}), nil
	}
	return notification.LogProvider{Logger: h.Logger}, nil
}

// inviteLoader renders the invite e-mail: the accept link is
// <admin url>/invite?token=<token>, as Medusa's CLI prints it.
func inviteLoader(adminURL string) notification.Loader {
	return func(ctx context.Context, c *container.Container, id string) (notification.Notification, bool, error) {
		users, err := container.ResolveContext(ctx, c, user.Key)
		if err != nil {
			return notification.Notification{}, false, err
		}
		inv, err := users.RetrieveInvite(ctx, id)
		if merrors.Is(err, merrors.NotFound) {
			return notification.Notification{}, false, nil // deleted or accepted meanwhile
		}
		if err != nil {
			return notification.Notification{}, false, err
		}
		link := tokenLink(adminURL, "/invite", inv.Token)
		return notification.Notification{
			To:       inv.Email,
			Template: "user-invite",
			Subject:  "You are invited to the store's admin",
			Text:     "You have been invited to the store's admin. Accept the invite: " + link + "\n\nThe link expires at " + inv.ExpiresAt.UTC().Format("2006-01-02 15:04 MST") + ".",
			Data:     map[string]any{"invite_id": inv.ID, "accept_url": link},
		}, true, nil
	}
}

// notificationModule registers the notification provider (notification.Key)
// unless one is registered already (by an app.Option, which runs before the
// modules), and the subscribers that e-mail an invite's accept link and a
// user's reset-password link.
func notificationModule() module.Module {
	return module.Module{
		Name: notification.Key.Name(),
		Register: func(ctx context.Context, h *module.Host) error {
			base := h.Settings.AdminURLOrDefault()
			h.Subscribe(notification.InviteSubscriber(inviteLoader(base)), notification.PasswordResetSubscriber(resetRenderer(base)))
			if h.Container.Has(notification.Key.Name()) {
				return nil
			}
			p, err := notificationProvider(h)
			if err != nil {
				return err
			}
			return container.Register(h.Container, notification.Key, p)
		},
	}
}

// resetRenderer renders the reset-password e-mail of a user: the link is
// <admin url>/reset-password?token=<token>. Other actor types (customers)
// are left to the application's own subscribers.
func resetRenderer(adminURL string) notification.ResetRenderer {
	return func(ctx context.Context, _ *container.Container, r notification.PasswordReset) (notification.Notification, bool, error) {
		if r.ActorType != "user" {
			return notification.Notification{}, false, nil
		}
		link := tokenLink(adminURL, "/reset-password", r.Token)
		return notification.Notification{
			To:       r.EntityID,
			Template: "password-reset",
			Subject:  "Reset your password for the store's admin",
			Text:     "Someone asked to reset the password of this account. Choose a new password: " + link + "\n\nThe link expires in 15 minutes. If you did not ask for it, ignore this e-mail.",
			Data:     map[string]any{"reset_url": link},
		}, true, nil
	}
}

// tokenLink is the dashboard page <admin url><page>?token=<token> an e-mail
// links to.
func tokenLink(adminURL, page, token string) string {
	return strings.TrimRight(adminURL, "/") + page + "?token=" + url.QueryEscape(token)
}
