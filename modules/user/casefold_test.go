package user

import (
	"context"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// One person, one e-mail, whatever its case: an invite for a user's address
// in another case is refused, a second invite or user in another case too,
// lookups find the row in any case, and the address keeps the case it was
// typed in.
func TestEmailsIgnoreCase(t *testing.T) {
	ctx := context.Background()
	s, _ := newModule(t)
	if _, err := s.CreateUsers(ctx, CreateUserInput{Email: "Admin@Medusa-Test.com"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateInvites(ctx, CreateInviteInput{Email: "ADMIN@medusa-test.com"})
	wantMessage(t, err, merrors.InvalidData, "User account for following email(s) already exist: Admin@Medusa-Test.com")

	_, err = s.CreateUsers(ctx, CreateUserInput{Email: "admin@medusa-test.com"})
	wantMessage(t, err, merrors.InvalidData, "User with email: admin@medusa-test.com, already exists.")

	inv, err := s.CreateInvites(ctx, CreateInviteInput{Email: "New.Person@Example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if inv[0].Email != "New.Person@Example.com" {
		t.Fatalf("invite email %q, want it as typed", inv[0].Email)
	}
	_, err = s.CreateInvites(ctx, CreateInviteInput{Email: "new.person@example.COM"})
	wantMessage(t, err, merrors.InvalidData, "Invite with email: new.person@example.com, already exists.")

	users, err := s.ListUsers(ctx, UserFilter{Email: sqlb.Eq("admin@MEDUSA-TEST.COM")})
	if err != nil || len(users) != 1 || users[0].Email != "Admin@Medusa-Test.com" {
		t.Fatalf("lookup in another case = %+v, %v", users, err)
	}
	invites, err := s.ListInvites(ctx, InviteFilter{Email: sqlb.In("NEW.PERSON@EXAMPLE.COM", "nobody@example.com")})
	if err != nil || len(invites) != 1 || invites[0].ID != inv[0].ID {
		t.Fatalf("invite lookup in another case = %+v, %v", invites, err)
	}

	// A soft-deleted user's address is free again, in any case.
	if _, err := s.SoftDeleteUsers(ctx, users[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUsers(ctx, CreateUserInput{Email: "admin@medusa-test.com"}); err != nil {
		t.Fatalf("re-create after soft delete: %v", err)
	}
}

// Concurrent creates of users, and of invites, whose addresses differ only
// in case: exactly one of each succeeds, every other fails cleanly.
func TestConcurrentCreatesDifferingInCase(t *testing.T) {
	ctx := context.Background()
	s, _ := newModule(t)
	variants := []string{"race@test.com", "Race@test.com", "RACE@TEST.COM", "race@Test.Com", "rAcE@tEsT.cOm", "RACE@test.com"}
	run := func(create func(email string) error) []error {
		errs := make([]error, 4*len(variants))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range errs {
			wg.Go(func() {
				<-start
				errs[i] = create(variants[i%len(variants)])
			})
		}
		close(start)
		wg.Wait()
		return errs
	}
	count := func(errs []error, wantPrefix string) {
		t.Helper()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			if e, isM := merrors.As(err); !isM || e.Type != merrors.InvalidData || !strings.HasPrefix(e.Message, wantPrefix) {
				t.Fatalf("error %v, want invalid_data %q…", err, wantPrefix)
			}
		}
		if ok != 1 {
			t.Fatalf("%d creates succeeded, want 1", ok)
		}
	}
	count(run(func(e string) error { _, err := s.CreateUsers(ctx, CreateUserInput{Email: e}); return err }), "User with email: race@test.com, already exists.")
	if _, n, err := s.ListAndCountUsers(ctx, UserFilter{Email: sqlb.Eq("RACE@TEST.COM")}, sqlb.FindConfig{WithDeleted: true}); err != nil || n != 1 {
		t.Fatalf("%d users, %v", n, err)
	}
	count(run(func(e string) error {
		_, err := s.CreateInvites(ctx, CreateInviteInput{Email: "invite-" + e})
		return err
	}), "Invite with email: invite-race@test.com, already exists.")
	if _, n, err := s.ListAndCountInvites(ctx, InviteFilter{Email: sqlb.Eq("INVITE-RACE@TEST.COM")}, sqlb.FindConfig{WithDeleted: true}); err != nil || n != 1 {
		t.Fatalf("%d invites, %v", n, err)
	}
}

// migrationsUpTo is the user module's migrations up to and including
// version.
func migrationsUpTo(t *testing.T, version string) migrate.Source {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, f := range files {
		if f[:4] > version {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = &fstest.MapFile{Data: b}
	}
	return migrate.Source{Module: "user", FS: m}
}

// The migration to case-insensitive e-mails on a database that already has
// users and invites: rows that collide only in case make it refuse, with a
// message naming them and what to do, and change nothing; once the
// duplicates are resolved it applies, and every address keeps its case.
func TestEmailCaseMigration(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := migrate.New(pool, migrationsUpTo(t, "0003")).Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO "user" (id, email) VALUES
		('user_1', 'Ann@Example.com'), ('user_2', 'ann@example.com'), ('user_3', 'bob@example.com'),
		('user_4', 'Carol@example.com'), ('user_5', 'CAROL@example.com');
		UPDATE "user" SET deleted_at = now() WHERE id = 'user_5';
		INSERT INTO invite (id, email, token, expires_at) VALUES
		('invite_1', 'Dan@example.com', 't1', now() + interval '1 day'), ('invite_2', 'dan@example.com', 't2', now() + interval '1 day')`); err != nil {
		t.Fatal(err)
	}
	m := migrate.New(pool, migrationsUpTo(t, "0004"))
	_, err = m.Up(ctx)
	for _, want := range []string{
		"cannot create the unique index IDX_user_email_unique on table user (lower(\"email\")): rows already share a key: user_1 (Ann@Example.com) and user_2 (ann@example.com).",
		"Keep one row of each group (delete, soft-delete or change the others) and run the migration again.",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("migration with colliding users: %v\nwant it to say %q", err, want)
		}
	}
	// Nothing of the refused migration is applied: the old exact index
	// still refuses an identical address, and allows one in another case.
	if _, err := pool.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ('user_6', 'BOB@example.com')`); err != nil {
		t.Fatalf("the refused migration left a case-insensitive index: %v", err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM "user" WHERE id = 'user_6'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE "user" SET deleted_at = now() WHERE id = 'user_2'`); err != nil {
		t.Fatal(err)
	}
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "IDX_invite_email_unique on table invite") || !strings.Contains(err.Error(), "invite_1 (Dan@example.com) and invite_2 (dan@example.com)") {
		t.Fatalf("migration with colliding invites: %v", err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM invite WHERE id = 'invite_2'`); err != nil {
		t.Fatal(err)
	}
	applied, err := m.Up(ctx)
	if err != nil || len(applied) != 1 || applied[0].Version != "0004" {
		t.Fatalf("migration after resolving the duplicates: %v, %v", applied, err)
	}
	var emails string
	if err := pool.QueryRow(ctx, `SELECT string_agg(email, ',' ORDER BY id) FROM "user"`).Scan(&emails); err != nil {
		t.Fatal(err)
	}
	if emails != "Ann@Example.com,ann@example.com,bob@example.com,Carol@example.com,CAROL@example.com" {
		t.Fatalf("emails after the migration: %s", emails)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ('user_7', 'BOB@example.com')`); !merrors.IsUniqueViolation(err, "IDX_user_email_unique") {
		t.Fatalf("a second bob in another case after the migration: %v", err)
	}
	// And back.
	if _, err := m.Rollback(ctx, "user"); err != nil {
		t.Fatal(err)
	}
}
