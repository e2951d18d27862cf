package notification

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
)

// Loader loads what to send for the record id an event names: the invite
// behind "invite.created", say. c is the delivery's container scope, to
// resolve the module that owns the record. Returning ok=false sends nothing
// (the record is gone, or needs no notification).
type Loader func(ctx context.Context, c *container.Container, id string) (n Notification, ok bool, err error)

// Subscriber returns an event bus subscriber that, for each record id in an
// event's data ({"id": "..."} or {"id": ["...", ...]}), loads a notification
// with load and sends it through the Provider registered under Key in the
// container. A failure retries the delivery (with the bus's backoff), which
// may send again the notifications of the ids before the failing one:
// delivery is at least once.
func Subscriber(id string, eventNames []string, load Loader) eventbus.Subscriber {
	return eventbus.Subscriber{
		ID:     id,
		Events: eventNames,
		Handler: func(ctx context.Context, c *container.Container, msg events.Message) error {
			ids, err := RecordIDs(msg.Data)
			if err != nil {
				return fmt.Errorf("notification: %s: %w", msg.Name, err)
			}
			provider, err := container.ResolveContext(ctx, c, Key)
			if err != nil {
				return fmt.Errorf("notification: %s: %w", msg.Name, err)
			}
			for _, rid := range ids {
				n, ok, err := load(ctx, c, rid)
				if err != nil {
					return fmt.Errorf("notification: %s %s: load: %w", msg.Name, rid, err)
				}
				if !ok {
					continue
				}
				if err := provider.Send(ctx, n); err != nil {
					return fmt.Errorf("notification: %s %s: %w", msg.Name, rid, err)
				}
			}
			return nil
		},
	}
}

// InviteEvents are the events after which an invite is sent (Medusa's
// InviteWorkflowEvents.CREATED and RESENT).
var InviteEvents = []string{"invite.created", "invite.resent"}

// InviteSubscriberID is the invite subscriber's id.
const InviteSubscriberID = "notification.invite"

// InviteSubscriber sends the invite e-mail on invite.created and
// invite.resent. load reads the invite by id and returns the notification
// with its accept link ("<admin url>/invite?token=<token>"); the User Module
// provides it.
func InviteSubscriber(load Loader) eventbus.Subscriber {
	return Subscriber(InviteSubscriberID, InviteEvents, load)
}

// RecordIDs reads the record ids of a Medusa event payload: {"id": "x"} or
// {"id": ["x", "y"]}.
func RecordIDs(data json.RawMessage) ([]string, error) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(data, &p); err != nil || len(p.ID) == 0 {
		return nil, fmt.Errorf("event data %s has no \"id\"", truncate(data))
	}
	var one string
	if err := json.Unmarshal(p.ID, &one); err == nil && one != "" {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(p.ID, &many); err == nil && len(many) > 0 {
		for _, s := range many {
			if s == "" {
				return nil, fmt.Errorf("event data %s has an empty id", truncate(data))
			}
		}
		return many, nil
	}
	return nil, fmt.Errorf("event data %s: \"id\" is neither a string nor a list of strings", truncate(data))
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// PasswordResetEvents are the events after which a reset-password link is
// sent (Medusa's AuthWorkflowEvents.PASSWORD_RESET).
var PasswordResetEvents = []string{"auth.password_reset"}

// PasswordResetSubscriberID is the password reset subscriber's id.
const PasswordResetSubscriberID = "notification.password_reset"

// PasswordReset is the data of an "auth.password_reset" event: the
// identity's entity (the e-mail for emailpass), its actor type, and the
// short-lived reset token.
type PasswordReset struct {
	EntityID  string `json:"entity_id"`
	ActorType string `json:"actor_type"`
	Token     string `json:"token"`
}

// ResetRenderer renders the reset-password message of one event (the
// e-mail with "<admin url>/reset-password?token=<token>" for users, say).
// Returning ok=false sends nothing (an actor type it does not serve).
type ResetRenderer func(ctx context.Context, c *container.Container, r PasswordReset) (n Notification, ok bool, err error)

// PasswordResetSubscriber sends the reset-password message on
// auth.password_reset through the Provider registered under Key. An event
// without entity_id or token is refused (and dead-lettered by the bus after
// its retries), never sent half-rendered.
func PasswordResetSubscriber(render ResetRenderer) eventbus.Subscriber {
	return eventbus.Subscriber{
		ID:     PasswordResetSubscriberID,
		Events: PasswordResetEvents,
		Handler: func(ctx context.Context, c *container.Container, msg events.Message) error {
			var r PasswordReset
			if err := json.Unmarshal(msg.Data, &r); err != nil {
				return fmt.Errorf("notification: %s: event data is not an object: %w", msg.Name, err)
			}
			if r.EntityID == "" || r.Token == "" {
				return fmt.Errorf("notification: %s: event data has no entity_id or token", msg.Name)
			}
			n, ok, err := render(ctx, c, r)
			if err != nil {
				return fmt.Errorf("notification: %s %s: render: %w", msg.Name, r.EntityID, err)
			}
			if !ok {
				return nil
			}
			provider, err := container.ResolveContext(ctx, c, Key)
			if err != nil {
				return fmt.Errorf("notification: %s: %w", msg.Name, err)
			}
			if err := provider.Send(ctx, n); err != nil {
				return fmt.Errorf("notification: %s %s: %w", msg.Name, r.EntityID, err)
			}
			return nil
		},
	}
}
