package cli

import (
	"context"
	"github.com/medusa-go/medusa/app"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/user"
)

func TestUserCommandUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"user"}, "-e EMAIL is required"},
		{[]string{"user", "-e", "a@example.com"}, "-p PASSWORD is required (or --invite)"},
		{[]string{"user", "-e", "a@example.com", "-p", "x", "--invite"}, "--invite takes no password"},
		{[]string{"user", "-e", "a@example.com", "--invite", "--admin-url", "ftp://x"}, "is not an http(s) URL"},
		{[]string{"user", "-e", "a@example.com", "-p", "x", "extra"}, `unexpected argument "extra"`},
		{[]string{"user", "--bogus"}, "flag provided but not defined: -bogus"},
	} {
		code, _, errOut := cli(t, map[string]string{}, c.args...)
		if code != 2 || !strings.Contains(errOut, c.msg) || !strings.Contains(errOut, "usage: medusa-go user") {
			t.Errorf("%v: %d %q, want 2 and %q", c.args, code, errOut, c.msg)
		}
	}
	code, out, _ := cli(t, nil, "user", "--help")
	if code != 0 || !strings.Contains(out, "usage: medusa-go user -e EMAIL") || !strings.Contains(out, "--invite") {
		t.Fatalf("--help: %d %q", code, out)
	}
}

func TestUserCommand(t *testing.T) {
	ctx := context.Background()
	srcs, err := app.Migrations(app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewURL(t, srcs...)
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	const secret = "cli-test-secret-0123456789"
	env := map[string]string{"DATABASE_URL": dbURL, "JWT_SECRET": secret}
	users, err := user.New(pool, user.Options{JWTSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	auths, err := auth.NewService(pool)
	if err != nil {
		t.Fatal(err)
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A user with an email+password login.
	code, out, errOut := cli(t, env, "user", "-e", "admin@example.com", "-p", "supersecret-pw")
	m := regexp.MustCompile(`^User created successfully: (user_\w+) \(admin@example.com\)\n$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("user: %d %q %q", code, out, errOut)
	}
	ai, err := auths.Authenticate(ctx, "admin@example.com", "supersecret-pw")
	if err != nil {
		t.Fatal(err)
	}
	md, err := auths.AppMetadata(ctx, ai.ID)
	if err != nil || md["user_id"] != m[1] {
		t.Fatalf("identity not linked to %s: %v %v", m[1], md, err)
	}
	if u, err := users.RetrieveUser(ctx, m[1]); err != nil || u.Email != "admin@example.com" {
		t.Fatalf("user: %+v %v", u, err)
	}
	if strings.Contains(out+errOut, "supersecret-pw") {
		t.Fatal("the password was printed")
	}

	// The same email again: exit 1, and nothing new in the database.
	code, _, errOut = cli(t, env, "user", "--email", "admin@example.com", "--password", "other")
	if code != 1 || !strings.Contains(errOut, "User with email: admin@example.com, already exists.") {
		t.Fatalf("duplicate: %d %q", code, errOut)
	}
	// An email that has an identity but no user: the user created before
	// registering is rolled back with it.
	if _, err := auths.Register(ctx, "orphan@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, env, "user", "-e", "orphan@example.com", "-p", "pw2")
	if code != 1 || !strings.Contains(errOut, "Identity with email already exists") {
		t.Fatalf("identity exists: %d %q", code, errOut)
	}
	if n := count("user"); n != 1 {
		t.Fatalf("%d users after two failures, want 1", n)
	}
	if n := count("auth_identity"); n != 2 {
		t.Fatalf("%d auth identities, want 2", n)
	}

	// A chosen id.
	code, out, errOut = cli(t, env, "user", "-e", "ops@example.com", "-p", "pw", "-i", "user_ops")
	if code != 0 || out != "User created successfully: user_ops (ops@example.com)\n" {
		t.Fatalf("-i: %d %q %q", code, out, errOut)
	}

	// An invite: its token and the accept link, signed with JWT_SECRET.
	code, out, errOut = cli(t, env, "user", "-e", "new@example.com", "--invite", "--admin-url", "https://admin.example.com/app/")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "Invite token: ") {
		t.Fatalf("invite: %d %q %q", code, out, errOut)
	}
	tok := strings.TrimPrefix(lines[0], "Invite token: ")
	if want := "Open the invite in Medusa Admin at: https://admin.example.com/app/invite?token=" + url.QueryEscape(tok); lines[1] != want {
		t.Fatalf("link %q, want %q", lines[1], want)
	}
	inv, err := users.ValidateInviteToken(ctx, tok)
	if err != nil || inv.Email != "new@example.com" {
		t.Fatalf("invite token: %+v %v", inv, err)
	}
	invs, err := users.ListInvites(ctx, user.InviteFilter{Email: sqlb.Eq("new@example.com")})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invites: %v %v", invs, err)
	}
	// A second invite for the pending email, and one for an existing user: exit 1.
	code, _, errOut = cli(t, env, "user", "-e", "new@example.com", "--invite")
	if code != 1 || !strings.Contains(errOut, "Invite with email: new@example.com, already exists.") {
		t.Fatalf("second invite: %d %q", code, errOut)
	}
	code, _, errOut = cli(t, env, "user", "-e", "admin@example.com", "--invite")
	if code != 1 || !strings.Contains(errOut, "User account for following email(s) already exist: admin@example.com") {
		t.Fatalf("invite for a user: %d %q", code, errOut)
	}
	// Without JWT_SECRET the invite is signed with the development default,
	// and the command says so.
	delete(env, "JWT_SECRET")
	code, out, errOut = cli(t, env, "user", "-e", "dev@example.com", "--invite")
	if code != 0 || !strings.Contains(out, "Invite token: ") || !strings.Contains(errOut, "JWT_SECRET is not set") {
		t.Fatalf("default secret: %d %q %q", code, out, errOut)
	}
}

func TestUserCommandNeedsAMigratedDatabase(t *testing.T) {
	dbURL := pgtest.NewURL(t)
	code, _, errOut := cli(t, map[string]string{"DATABASE_URL": dbURL}, "user", "-e", "a@example.com", "-p", "pw")
	if code != 1 || !strings.Contains(errOut, "pending migrations") || !strings.Contains(errOut, "medusa-go db migrate") {
		t.Fatalf("unmigrated: %d %q", code, errOut)
	}
}

func TestReadPassword(t *testing.T) {
	for in, want := range map[string]string{"pw\n": "pw", "pw\r\n": "pw", "pw": "pw", "p w \nrest\n": "p w "} {
		if got, err := readPassword(strings.NewReader(in)); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "\n"} {
		if _, err := readPassword(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
