package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
)

// A durable engine on the Postgres store, and one on the same store with
// its fast path off (to compare the two, or to rule the fast path out). The
// engine's tests run its semantics and crash tests on both.
func ExampleNew() {
	ctx := context.Background()
	pool, err := db.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if _, err := migrate.New(pool, migrations.Source()).Up(ctx); err != nil { // the store's tables
		log.Fatal(err)
	}

	fast := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)))
	plain := workflows.NewEngine(workflows.WithStore(pgstore.New(pool, pgstore.WithoutFastPath())))

	hello := workflows.NewStep("hello", func(ctx context.Context, sc workflows.StepContext, name string) (string, struct{}, error) {
		return "hello " + name, struct{}{}, nil
	}, nil)
	wf := workflows.New("greet", func(wc *workflows.Context, name string) (string, error) { return hello.Run(wc, name) })
	for _, eng := range []*workflows.Engine{fast, plain} {
		out, err := wf.Run(ctx, nil, "ada", workflows.WithEngine(eng))
		fmt.Println(out, err)
	}
}
