// Package notification sends notifications (Medusa's Notification Module,
// container key "notification") through a Provider: LogProvider, the
// default, writes them to the log (Medusa's "local" provider); SMTPProvider
// sends e-mail with github.com/wneessen/go-mail (STARTTLS when offered, or
// required with RequireTLS; PLAIN authentication; a deadline on every
// send). Its tests talk to a real SMTP server, github.com/emersion/go-smtp,
// on loopback.
//
// Subscriber builds an event bus subscriber that sends a notification per
// record id carried by an event ({"id": "..."} or {"id": [...]}, Medusa's
// event payloads), from a function that loads what to send by id. The invite
// e-mail is one: InviteSubscriber on "invite.created" and "invite.resent",
// with a loader (written with the User Module) that reads the invite and
// builds its accept link.
package notification
