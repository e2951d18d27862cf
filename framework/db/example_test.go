package db_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
)

// A service method runs its writes in InTx: alone it commits on its own;
// called from a caller's InTx it joins the caller's transaction.
func ExampleInTx() {
	ctx := context.Background()
	pool, err := db.Open(ctx, "") // $DATABASE_URL
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	createUser := func(ctx context.Context, email string) error {
		return db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ($1, $2)`, "user_1", email)
			return err
		})
	}

	// Both inserts commit together or not at all.
	err = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := createUser(ctx, "jane@example.com"); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		_, err := tx.Exec(ctx, `UPDATE invite SET accepted = true WHERE email = $1`, "jane@example.com")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}

// AfterCommit defers side effects, such as emitting events, until the data
// is committed; on rollback they never happen.
func ExampleAfterCommit() {
	ctx := context.Background()
	pool, err := db.Open(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	err = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ('user_1', 'jane@example.com')`); err != nil {
			return err
		}
		db.AfterCommit(ctx, func(ctx context.Context) {
			fmt.Println("user.user.created user_1")
		})
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Repository code takes its connection from the context, so it runs inside
// the caller's transaction when there is one.
func ExampleConn() {
	ctx := context.Background()
	pool, err := db.Open(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	var n int
	if err := db.Conn(ctx, pool).QueryRow(ctx, `SELECT count(*) FROM "user"`).Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}
