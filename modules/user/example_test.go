package user_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/rt"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// The User Module outside an application (a tool, a test; an application
// lists modules.User in its app.Config instead): the event bus first, then
// the module with its options. jwt_secret is required and signs the invite
// tokens; the service is built on first use.
func ExampleRegisterModule() {
	var pool *pgxpool.Pool // the database: db.Open(ctx, os.Getenv("DATABASE_URL"))
	root := container.New()
	container.MustRegister(root, events.BusKey, events.Bus(events.NewLocal())) // "event_bus": module and workflow events

	err := user.RegisterModule(root, pool, user.Options{
		JWTSecret:     "a-long-random-secret", // required, e.g. os.Getenv("JWT_SECRET")
		ValidDuration: 24 * time.Hour,         // invite lifetime: expires_at and the token's exp (default 24 h)
		// Algorithm: "RS256", JWTSecret: privatePEM, JWTPublicKey: publicPEM; HS256 by default
	})
	fmt.Println(err)

	// Without a secret, registration fails with Medusa's message:
	err = user.RegisterModule(container.New(), pool, user.Options{ValidDuration: time.Hour})
	fmt.Println(err)

	// Options as a Medusa config declares them:
	err = user.RegisterModuleFromMap(container.New(), pool, map[string]any{"jwt_secret": "a-long-random-secret", "valid_duration": 3600, "jwt_options": map[string]any{"algorithm": "HS512"}})
	fmt.Println(err)
	// Output:
	// <nil>
	// user: No jwt_secret was provided in the UserModule's options. Please add one.
	// <nil>
}

// lookUp is code that has a container scope (a route's httpx.Scope(r), a
// subscriber's or a scheduled job's container): it resolves the User Module
// and calls its service. Every call is one transaction, or joins the one
// ctx carries.
func lookUp(ctx context.Context, scope *container.Container, userID, token string) (user.Invite, error) {
	users, err := container.Resolve(scope, user.Key) // *user.Service, key "user"
	if err != nil {
		return user.Invite{}, err
	}
	u, err := users.RetrieveUser(ctx, userID)
	if err != nil {
		return user.Invite{}, err
	}
	list, count, err := users.ListAndCountUsers(ctx, user.UserFilter{Q: "ada"}, rt.FindConfig{Take: 50})
	if err != nil {
		return user.Invite{}, err
	}
	slog.InfoContext(ctx, "users", "me", u.Email, "page", len(list), "count", count)
	inv, err := users.ValidateInviteToken(ctx, token)
	if err != nil {
		return user.Invite{}, err
	}
	return inv, nil
}

// TestLookUp runs the README's lookUp on a real database: it finds the
// invite of a current token, and refuses an unknown user and a forged
// token with Medusa's messages.
func TestLookUp(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	root := container.New()
	if err := user.RegisterModule(root, pool, user.Options{JWTSecret: "readme-secret"}); err != nil {
		t.Fatal(err)
	}
	users, err := container.Resolve(root, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	ada := "Ada"
	us, err := users.CreateUsers(ctx, user.CreateUserInput{Email: "ada@example.com", FirstName: &ada})
	if err != nil {
		t.Fatal(err)
	}
	invs, err := users.CreateInvites(ctx, user.CreateInviteInput{Email: "grace@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := lookUp(ctx, root.Scope(), us[0].ID, invs[0].Token)
	if err != nil || inv.ID != invs[0].ID {
		t.Fatalf("lookUp: %+v %v", inv, err)
	}
	if _, err := lookUp(ctx, root.Scope(), "user_unknown", invs[0].Token); err == nil || !strings.Contains(err.Error(), "User with id: user_unknown was not found") {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := lookUp(ctx, root.Scope(), us[0].ID, "forged"); err == nil || !strings.Contains(err.Error(), "jwt malformed") {
		t.Fatalf("forged token: %v", err)
	}
}
