package modgen_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/pgtest"
	blogmodels "github.com/medusa-go/medusa/internal/testmodules/blog/models"

	"github.com/medusa-go/medusa/modgen"
	usermig "github.com/medusa-go/medusa/modules/user/migrations"
	"github.com/medusa-go/medusa/modules/user/models"
)

// BenchmarkGenerateUserModule regenerates the User Module in check mode
// (everything in memory, sqlc run in a staging directory) against the
// committed files: the warm cost of "go generate ./modules/user" minus
// compiling the gen program.
func BenchmarkGenerateUserModule(b *testing.B) {
	root, err := modgen.FindRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := modgen.Generate(context.Background(), models.Module, modgen.Options{Root: root, Check: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUserModuleUpToDate is the drift check of the committed User Module:
// it fails with a diff when the models and the generated files disagree.
func TestUserModuleUpToDate(t *testing.T) {
	root, err := modgen.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modgen.Generate(context.Background(), models.Module, modgen.Options{Root: root, Check: true}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSearchIndexInsert measures what the index that serves q costs an
// insert of 10,000 users (first name, last name, email; one INSERT … SELECT
// FROM generate_series, no client work): three per-field pg_trgm GIN indexes
// (modgen before 0002_q_trigram_index), the one index over the joined fields
// (IDX_user_q_trgm, now), and none. Each variant has its own copy of the
// user table in one database; run with -count to interleave them.
func BenchmarkSearchIndexInsert(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, usermig.Source)
	joined := `coalesce("first_name", '') || E'\x1f' || coalesce("last_name", '') || E'\x1f' || "email"`
	for _, v := range []struct{ name, indexes string }{
		{"three-column-indexes", `CREATE INDEX ON %[1]s USING gin ("first_name" gin_trgm_ops) WHERE deleted_at IS NULL;
			CREATE INDEX ON %[1]s USING gin ("last_name" gin_trgm_ops) WHERE deleted_at IS NULL;
			CREATE INDEX ON %[1]s USING gin ("email" gin_trgm_ops) WHERE deleted_at IS NULL`},
		{"one-joined-index", `CREATE INDEX ON %[1]s USING gin ((` + joined + `) gin_trgm_ops)`},
		{"no-trgm-index", ``},
	} {
		b.Run(v.name, func(b *testing.B) {
			table := `"u_` + strings.ReplaceAll(v.name, "-", "_") + `"`
			setup := fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s; CREATE TABLE %[1]s (LIKE "user" INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
				ALTER TABLE %[1]s ADD PRIMARY KEY (id); CREATE UNIQUE INDEX ON %[1]s (email) WHERE deleted_at IS NULL;`, table)
			if v.indexes != "" {
				setup += fmt.Sprintf(v.indexes, table)
			}
			if _, err := pool.Exec(ctx, setup); err != nil {
				b.Fatal(err)
			}
			batch := 0
			for b.Loop() {
				batch++
				if _, err := pool.Exec(ctx, `INSERT INTO `+table+` (id, email, first_name, last_name)
					SELECT 'user_' || $1::int || '_' || g, 'person' || $1::int || '-' || g || '@example.com', 'First' || g, 'Last' || (g % 977)
					FROM generate_series(1, 10000) AS g`, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(10000*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestUserModuleGeneratesOffline runs the pinned sqlc the way an application
// without network runs "medusa-go generate": once sqlc is in the module
// cache (the first Generate fetches it if needed), GOPROXY=off, no reachable
// proxy and a -mod=vendor in GOFLAGS must not stop it. go run pkg@version
// alone fails there ("loading deprecation … module lookup disabled by
// GOPROXY=off").
func TestUserModuleGeneratesOffline(t *testing.T) {
	root, err := modgen.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modgen.Generate(t.Context(), models.Module, modgen.Options{Root: root, Check: true}); err != nil {
		t.Fatalf("online: %v", err)
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=vendor")
	for _, k := range []string{"HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"} {
		t.Setenv(k, "http://127.0.0.1:9")
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	if _, err := modgen.Generate(t.Context(), models.Module, modgen.Options{Root: root, Check: true}); err != nil {
		t.Fatalf("offline: %v", err)
	}
}

// TestBlogTestModuleUpToDate is the drift check of the blog test module
// (internal/testmodules/blog), which medusa-go generate does not list.
func TestBlogTestModuleUpToDate(t *testing.T) {
	root, err := modgen.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modgen.Generate(context.Background(), blogmodels.Module, modgen.Options{Root: root, Check: true}); err != nil {
		t.Fatal(err)
	}
}
