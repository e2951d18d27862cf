package migrate_test

import (
	"context"
	"fmt"
	"log"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/migrate"
)

func ExampleLoad() {
	// In a module this is an embed.FS: //go:embed *.sql
	fs := fstest.MapFS{
		"0001_create_user.sql": {Data: []byte("-- migrate:up\nCREATE TABLE \"user\" (id text PRIMARY KEY);\n-- migrate:down\nDROP TABLE \"user\";\n")},
		"0002_add_email.sql":   {Data: []byte("-- migrate:up\nALTER TABLE \"user\" ADD COLUMN email text;\n")},
	}
	ms, err := migrate.Load(migrate.Source{Module: "user", FS: fs})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range ms {
		fmt.Printf("%s/%s down=%v: %s\n", m.Module, m.Name, m.HasDown, m.Up)
	}
	// Output:
	// user/0001_create_user down=true: CREATE TABLE "user" (id text PRIMARY KEY);
	// user/0002_add_email down=false: ALTER TABLE "user" ADD COLUMN email text;
}

func ExampleMigrator_Up() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres:///medusa")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	user := migrate.Source{Module: "user", FS: fstest.MapFS{ /* migrations.FS */ }}
	auth := migrate.Source{Module: "auth", FS: fstest.MapFS{}}

	applied, err := migrate.New(pool, user, auth).Up(ctx)
	if err != nil {
		log.Fatal(err) // nothing of the batch was applied
	}
	for _, m := range applied {
		fmt.Println("applied", m.Module, m.Name)
	}
}
