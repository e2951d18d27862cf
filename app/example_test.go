package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/entity"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/body"
	"github.com/medusa-go/medusa/framework/httpx/mw"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"github.com/medusa-go/medusa/modules"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
)

// An application's Config: a built-in module configured with options, two
// routes of its own (one under /store, one explicitly public), and settings
// that environment variables override.
func ExampleConfig() {
	cfg := app.Config{
		Name: "shop",
		Modules: []module.Module{
			// The User Module again, with options: invites last 3 days.
			modules.User.With(user.Options{ValidDuration: 72 * time.Hour}),
			// The same, as a configuration file would give them:
			// modules.User.With(map[string]any{"valid_duration": 259200}),
		},
		Routes: func(r *module.Router) error {
			r.HandleFunc("GET /store/hello", func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteJSON(w, http.StatusOK, map[string]string{"message": "hello"})
			})
			r.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			}, module.Public())
			return nil
		},
		Settings: config.Config{
			Port:      9000,
			AdminCORS: []string{"http://localhost:5173"},
		},
	}
	_ = cfg // cli.Main(cfg) in the application's main
	// Output:
}

// inviteColleague is Go code of an application (a route, a subscriber, a
// scheduled job) using the modules: it resolves the User Module's service
// from the container scope the framework hands it (httpx.Scope(r) in a
// route, the handler's container in a subscriber or a job) and runs one of
// the module's workflows with the same scope.
func inviteColleague(ctx context.Context, scope *container.Container, email string) (user.Invite, error) {
	users, err := container.Resolve(scope, user.Key) // Medusa's container.resolve(Modules.USER)
	if err != nil {
		return user.Invite{}, err
	}
	list, count, err := users.ListAndCountUsers(ctx, user.UserFilter{Q: "smith"}, sqlb.FindConfig{Take: 20})
	if err != nil {
		return user.Invite{}, err
	}
	slog.InfoContext(ctx, "users named Smith", "page", len(list), "count", count)
	invites, err := flows.CreateInvitesWorkflow.Run(ctx, scope, flows.CreateInvitesInput{
		Invites: []user.CreateInviteInput{{Email: email}},
	}) // a workflow: each step compensates if a later one fails
	if err != nil {
		return user.Invite{}, err
	}
	return invites[0], nil
}

// A route of the application that uses the User Module through
// inviteColleague, with the request's container scope.
func ExampleConfig_usingModules() {
	cfg := app.Config{
		Name: "shop",
		Routes: func(r *module.Router) error {
			r.HandleFunc("POST /admin/colleagues", func(w http.ResponseWriter, r *http.Request) {
				invite, err := inviteColleague(r.Context(), httpx.Scope(r), "new@example.com")
				if err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				httpx.WriteJSON(w, http.StatusOK, map[string]any{"invite": invite})
			})
			return nil
		},
	}
	_ = cfg // cli.Main(cfg) in the application's main
	// Output:
}

// shopRoutes are an application's own routes (its api/): one signature,
// func(*module.Router) error, as for every module. Each route gets its
// namespace's protection unless its registration says otherwise.
func shopRoutes(r *module.Router) error {
	// Under /admin: a signed-in user (cookie session, bearer token or secret
	// API key), else 401 {"message":"Unauthorized"}.
	r.HandleFunc("GET /admin/reports/sales", salesReport)
	// Public, visibly: Medusa's AUTHENTICATE = false.
	r.HandleFunc("GET /admin/status", status, module.Public())
	// Under /store the customer is read when there is one; this route
	// requires one, and limits how often a client may call it.
	perClient := mw.NewLimiter(mw.RateLimit{Burst: 20, Every: time.Second})
	r.HandleFunc("GET /store/wishlist", wishlist,
		module.Authenticate([]string{"customer"}, []string{httpauth.AuthSession, httpauth.AuthBearer}, httpauth.AuthOptions{}),
		module.Use(perClient.Middleware(httpx.ClientIP)))
	// A built-in route replaced: the same method and path, registered later.
	r.HandleFunc("POST /admin/invites", inviteFromOurDomain)
	return nil
}

// inviteBody is the body of the replaced POST /admin/invites.
type inviteBody struct {
	Email string `json:"email"`
}

// inviteRequest validates it strictly: an unknown field or a wrong type is a
// 400 invalid_data naming it, as in Medusa.
var inviteRequest = body.MustBody[inviteBody](body.String("email"))

// inviteFromOurDomain replaces the User Module's POST /admin/invites: only
// addresses of the company's domain are invited, by the module's
// create-invites workflow run with the request's container scope.
func inviteFromOurDomain(w http.ResponseWriter, r *http.Request) {
	body, err := inviteRequest.Decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if !strings.HasSuffix(body.Email, "@example.com") {
		httpx.WriteError(w, r, merrors.New(merrors.InvalidData, "Only example.com addresses can be invited"))
		return
	}
	invites, err := flows.CreateInvitesWorkflow.Run(r.Context(), httpx.Scope(r), flows.CreateInvitesInput{
		Invites: []user.CreateInviteInput{{Email: body.Email}},
	})
	if err != nil {
		httpx.WriteError(w, r, err) // Medusa's {type, message} and status; the run reverted
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"invite": invites[0]})
}

func salesReport(w http.ResponseWriter, r *http.Request) {
	ac, _ := httpauth.AuthFrom(r.Context()) // who is asking: actor_id, actor_type, ...
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"requested_by": ac.ActorID, "total": 0})
}

func status(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func wishlist(w http.ResponseWriter, r *http.Request) {
	ac, _ := httpauth.AuthFrom(r.Context())
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"customer_id": ac.ActorID, "items": []string{}})
}

// An application with routes of its own, one of which replaces a built-in
// route.
func ExampleConfig_routes() {
	cfg := app.Config{Name: "shop", Routes: shopRoutes}
	_ = cfg // cli.Main(cfg) in the application's main
	// Output:
}

// An application's module links (its links package): a blog post has an
// author, a user has many posts. The application checks them against every
// module's entities; "db migrate" creates their tables.
func ExampleConfig_links() {
	cfg := app.Config{
		Modules: []module.Module{blog.Generated()},
		Links: []*link.Definition{
			link.Define(link.Of(blog.PostEntity).List(), link.Of(user.UserEntity).As("author")),
		},
	}
	reg, err := app.LinkRegistry(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range reg.Definitions() {
		fmt.Println(d.Table())
	}
	cfg.Links = append(cfg.Links, link.Define(link.Of(blog.PostEntity), link.Of(&entity.Entity{Module: "nope", Name: "usr"})))
	_, err = app.LinkRegistry(cfg)
	fmt.Println(err != nil)
	// Output:
	// blog_post_user_user
	// true
}
