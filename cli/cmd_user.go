package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/user"
)

func init() {
	register(&command{
		name:    "user",
		summary: "create an admin user with an email+password login, or an invite (--invite)",
		usage: "-e EMAIL [-p PASSWORD | -p -] [--invite] [-i ID] [--admin-url URL]\n\n" +
			"  -e, --email      the user's email (required)\n" +
			"  -p, --password   the user's password (required without --invite); \"-\" reads it from stdin\n" +
			"      --invite     create an invite instead and print its token and accept link\n" +
			"  -i, --id         the new user's id (default user_<ULID>); ignored with --invite\n" +
			"      --admin-url  the admin dashboard's URL for the invite link\n" +
			"                   (default $MEDUSA_ADMIN_URL, else http://$HOST:$PORT$MEDUSA_ADMIN_PATH)\n" +
			"      --dir        the project directory of the embedded development server (default .)\n\n" +
			"Uses DATABASE_URL, or else the embedded development server of --dir: the one medusa-go dev\n" +
			"is running, or one started (and migrated) for the command.\n" +
			"Invite tokens are signed with JWT_SECRET: use the server's. Exit status: 0 created,\n" +
			"1 failure (e.g. the email already has a user, an identity or a pending invite), 2 usage error.",
		run: userCmd,
	})
}

type userFlags struct {
	email, password, id, adminURL, dir string
	invite                             bool
}

func parseUserFlags(env *cliEnv, args []string) (userFlags, error) {
	var f userFlags
	fs := flag.NewFlagSet("user", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.email, "e", "", "")
	fs.StringVar(&f.email, "email", "", "")
	fs.StringVar(&f.password, "p", "", "")
	fs.StringVar(&f.password, "password", "", "")
	fs.StringVar(&f.id, "i", "", "")
	fs.StringVar(&f.id, "id", "", "")
	fs.BoolVar(&f.invite, "invite", false, "")
	fs.StringVar(&f.adminURL, "admin-url", "", "")
	fs.StringVar(&f.dir, "dir", ".", "")
	if err := fs.Parse(args); err != nil {
		return f, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return f, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	f.email = strings.TrimSpace(f.email)
	if f.email == "" {
		return f, usageError{"-e EMAIL is required"}
	}
	if f.invite && f.password != "" {
		return f, usageError{"--invite takes no password: the invitee chooses one when accepting"}
	}
	if !f.invite && f.password == "" {
		return f, usageError{"-p PASSWORD is required (or --invite)"}
	}
	if f.adminURL == "" {
		s, err := env.settings(config.Development)
		if err != nil {
			return f, err
		}
		f.adminURL = s.AdminURLOrDefault()
	}
	if u, err := url.Parse(f.adminURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return f, usageError{fmt.Sprintf("--admin-url %q is not an http(s) URL", f.adminURL)}
	}
	return f, nil
}

func userCmd(ctx context.Context, env *cliEnv, args []string) error {
	f, err := parseUserFlags(env, args)
	if err != nil {
		return err
	}
	if f.password == "-" {
		if f.password, err = readPassword(os.Stdin); err != nil {
			return err
		}
	}
	cfg, err := env.settings(config.Development)
	if err != nil {
		return err
	}
	// Like Medusa's, the command boots the application as a worker (no
	// routes, nothing started): the modules get the application's options.
	cfg.WorkerMode = "worker"
	def := env.app
	def.Settings = cfg
	return withUserDB(ctx, env, f.dir, func(pool *pgxpool.Pool) error {
		a, err := app.New(ctx, def, pool, app.WithLogger(slog.New(slog.DiscardHandler)), app.WithGetenv(env.getenv))
		if err != nil {
			return err
		}
		users, err := container.Resolve(a.Container, user.Key)
		if err != nil {
			return err
		}
		if f.invite {
			if env.getenv("JWT_SECRET") == "" {
				fmt.Fprintln(env.stderr, "medusa-go user: JWT_SECRET is not set: the invite is signed with the development default and only a server using it accepts it")
			}
			invs, err := users.CreateInvites(ctx, user.CreateInviteInput{Email: f.email})
			if err != nil {
				return fmt.Errorf("create invite: %w", err)
			}
			tok := invs[0].Token
			fmt.Fprintf(env.stdout, "Invite token: %s\n", tok)
			fmt.Fprintf(env.stdout, "Open the invite in Medusa Admin at: %s/invite?token=%s\n", strings.TrimRight(f.adminURL, "/"), url.QueryEscape(tok))
			return nil
		}
		auths, err := container.Resolve(a.Container, auth.Key)
		if err != nil {
			return err
		}
		// The user, its identity and the link are created in one
		// transaction: a failure leaves nothing behind.
		var u user.User
		err = db.InTx(ctx, pool, func(ctx context.Context, _ pgx.Tx) error {
			us, err := users.CreateUsers(ctx, user.CreateUserInput{ID: f.id, Email: f.email})
			if err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			u = us[0]
			ai, err := auths.Register(ctx, f.email, f.password)
			if err != nil {
				return fmt.Errorf("register emailpass identity: %w", err)
			}
			if err := auths.SetAppMetadata(ctx, ai.ID, map[string]any{"user_id": u.ID}); err != nil {
				return fmt.Errorf("link identity to user: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "User created successfully: %s (%s)\n", u.ID, u.Email)
		return nil
	})
}

// readPassword reads one line from r (for "-p -").
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	p := strings.TrimRight(line, "\r\n")
	if p == "" {
		return "", usageError{"-p -: no password on stdin"}
	}
	return p, nil
}

// withUserDB opens DATABASE_URL, which must be migrated (medusa-go db
// migrate), or the embedded development server of dir: the one medusa-go
// dev runs when it is up, else one started for the command and migrated, as
// medusa-go dev does.
func withUserDB(ctx context.Context, env *cliEnv, dir string, fn func(*pgxpool.Pool) error) error {
	pool, embedded, closeDB, err := openDB(ctx, env, dir)
	if err != nil {
		return err
	}
	defer closeDB()
	srcs, err := env.migrations()
	if err != nil {
		return err
	}
	m := migrate.New(pool, srcs...)
	if embedded {
		if _, err := m.Up(ctx); err != nil {
			return err
		}
	} else {
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		var pending []string
		for _, s := range st {
			if !s.Applied {
				pending = append(pending, s.Module+"/"+s.Name)
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("the database has pending migrations (%s): run medusa-go db migrate first", strings.Join(pending, ", "))
		}
	}
	return fn(pool)
}
