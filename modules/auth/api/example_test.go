package api_test

import (
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/auth/api"
)

// Mounting the /auth routes: the service signs reset tokens and the
// httpx.Auth issues API tokens with the same JWT secret; the session store
// enables POST/DELETE /auth/session.
func ExampleMount() {
	var pool *pgxpool.Pool // db.Open(ctx, os.Getenv("DATABASE_URL"))
	const secret = "a random secret of at least 16 characters"
	svc, err := auth.NewService(pool, auth.WithJWTSecret(secret))
	if err != nil {
		panic(err)
	}
	sessions, _ := httpx.NewSessionStore(pool, httpx.SessionConfig{})
	tokens, _ := httpx.NewAuth(httpx.AuthConfig{JWTSecret: secret, Sessions: sessions})
	mux := http.NewServeMux()
	if err := api.Mount(mux, api.Config{
		Service:             svc,
		Auth:                tokens,
		AuthMethodsPerActor: map[string][]string{"user": {"emailpass"}},
	}); err != nil {
		panic(err)
	}
	_ = http.ListenAndServe("localhost:9000", mux)
}
