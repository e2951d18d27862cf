package user_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
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
	list, count, err := users.ListAndCountUsers(ctx, user.UserFilter{Q: "ada"}, sqlb.FindConfig{Take: 50})
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

// tour calls the User Module's generated service: bulk create, retrieve
// with selected fields, list and count with a filter, an order and a page,
// update (a field absent, set to null, set to a value), soft delete,
// restore and delete. Each call is one transaction (or joins the one ctx
// carries) and emits the module's events.
func tour(ctx context.Context, users *user.Service) (string, error) {
	created, err := users.CreateUsers(ctx, user.CreateUserInput{Email: "ada@example.com"}, user.CreateUserInput{Email: "grace@example.com"})
	if err != nil {
		return "", err
	}
	ada, grace := created[0].ID, created[1].ID // "user_" + a ULID
	u, err := users.RetrieveUser(ctx, ada, sqlb.FindConfig{Select: []string{"id", "email"}})
	if err != nil {
		return "", err
	}
	page, count, err := users.ListAndCountUsers(ctx, user.UserFilter{Email: sqlb.In("ada@example.com", "grace@example.com")},
		sqlb.FindConfig{Order: []sqlb.Order{{Field: "email", Desc: true}}, Take: 1})
	if err != nil {
		return "", err
	}
	// Email absent: kept; LastName: set to NULL; FirstName: set to "Ada".
	if _, err := users.UpdateUsers(ctx, user.UpdateUserInput{ID: ada, FirstName: opt.Some("Ada"), LastName: opt.Null[string]()}); err != nil {
		return "", err
	}
	keys, err := users.SoftDeleteUsers(ctx, ada) // {"user_id": [ada]}
	if err != nil {
		return "", err
	}
	if _, err := users.RestoreUsers(ctx, ada); err != nil {
		return "", err
	}
	if err := users.DeleteUsers(ctx, grace); err != nil {
		return "", err
	}
	selected, err := json.Marshal(u) // only the selected fields
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; %d, first %s; soft-deleted %d", selected, count, page[0].Email, len(keys["user_id"])), nil
}

// TestTour runs modgen.md's tour of the generated service on a real
// database.
func TestTour(t *testing.T) {
	ctx := context.Background()
	users, err := user.New(pgtest.NewPool(t, migrations.Source), user.Options{JWTSecret: "tour-secret"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tour(ctx, users)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, `{"id":"user_`) || !strings.HasSuffix(got, `","email":"ada@example.com"}; 2, first grace@example.com; soft-deleted 1`) {
		t.Fatalf("tour: %s", got)
	}
	left, err := users.ListUsers(ctx, user.UserFilter{})
	if err != nil || len(left) != 1 || left[0].Email != "ada@example.com" || left[0].FirstName == nil || *left[0].FirstName != "Ada" || left[0].LastName != nil || left[0].DeletedAt != nil {
		t.Fatalf("after the tour: %+v %v", left, err)
	}
	// A second tour fails on the unique email and writes nothing.
	if _, err := tour(ctx, users); err == nil || !strings.Contains(err.Error(), "User with email: ada@example.com, already exists.") {
		t.Fatalf("second tour: %v", err)
	}
	if left, err := users.ListUsers(ctx, user.UserFilter{}); err != nil || len(left) != 1 {
		t.Fatalf("%d users after the refused create (%v), want 1", len(left), err)
	}
}
