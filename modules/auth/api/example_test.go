package api_test

import (
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/auth/api"
)

// Mounting the /auth routes outside an application: the service signs
// reset tokens and the httpauth.Auth issues API tokens with the same JWT
// secret; the session store enables POST/DELETE /auth/session. (In an
// application the Auth Module's value mounts them.)
func ExampleRoutes() {
	var pool *pgxpool.Pool // db.Open(ctx, os.Getenv("DATABASE_URL"))
	const secret = "a random secret of at least 16 characters"
	svc, err := auth.NewService(pool, auth.WithJWTSecret(secret))
	if err != nil {
		panic(err)
	}
	sessions, _ := httpauth.NewSessionStore(pool, httpauth.SessionConfig{})
	tokens, _ := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: secret, Sessions: sessions})
	routes := module.NewRoutes(nil, tokens)
	if err := api.Routes(api.Config{
		Service:             svc,
		AuthMethodsPerActor: map[string][]string{"user": {"emailpass"}},
	})(routes.For("auth", nil)); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	if err := routes.Mount(mux); err != nil {
		panic(err)
	}
	_ = http.ListenAndServe("localhost:9000", mux)
}
