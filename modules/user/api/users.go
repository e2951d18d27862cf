package api

import (
	"net/http"
	"sync"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/modules/user"
)

// userFields are the default fields of the admin user routes (Medusa's
// query-config).
var userFields = []string{"id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at", "deleted_at"}

var (
	userQuery = httpx.MustQuerySpec(httpx.QueryConfig{Defaults: userFields})
	listUsers = httpx.MustQuerySpec(httpx.QueryConfig{
		Defaults:     userFields,
		List:         true,
		DefaultOrder: "id",
		Orderable:    []string{"id", "first_name", "last_name", "email", "avatar_url", "created_at", "updated_at", "deleted_at"},
		Search:       true,
		Filters: []httpx.FilterField{
			{Name: "id", Type: httpx.TypeString, Array: true, Ops: httpx.OpsEquality},
			{Name: "email", Type: httpx.TypeString, Array: true, Ops: httpx.OpsAll &^ httpx.Ops(httpx.OpRe, httpx.OpContains)},
			{Name: "first_name", Type: httpx.TypeString, Array: true, Ops: httpx.OpsAll &^ httpx.Ops(httpx.OpRe, httpx.OpContains)},
			{Name: "last_name", Type: httpx.TypeString, Array: true, Ops: httpx.OpsAll &^ httpx.Ops(httpx.OpRe, httpx.OpContains)},
			{Name: "created_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
			{Name: "updated_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
			{Name: "deleted_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
		},
	})
)

func userFilter(q *httpx.Query) (user.UserFilter, error) {
	f, err := build(q.Filter, func(f *user.UserFilter) map[string]fieldSetter {
		return map[string]fieldSetter{
			"id":         stringField(&f.ID),
			"email":      stringField(&f.Email),
			"first_name": stringField(&f.FirstName),
			"last_name":  stringField(&f.LastName),
			"created_at": timeField(&f.CreatedAt),
			"updated_at": timeField(&f.UpdatedAt),
			"deleted_at": timeField(&f.DeletedAt),
		}
	}, func(f *user.UserFilter, a []user.UserFilter) { f.And = a }, func(f *user.UserFilter, o []user.UserFilter) { f.Or = o })
	f.Q = q.Q
	return f, err
}

// service resolves the User Module from the request scope.
func service(r *http.Request) (*user.Service, error) {
	return container.ResolveContext(r.Context(), httpx.Scope(r), user.Key)
}

var usersRes = resource[user.User, user.UserFilter]{
	name: "user", plural: "users", one: userQuery, list: listUsers, filter: userFilter,
	listAndCount: (*user.Service).ListAndCountUsers,
	id:           func(x user.User) string { return x.ID },
	retrieve:     (*user.Service).RetrieveUser,
	pages:        &sync.Pool{},
}

// GET /admin/users/me
func handleMe(w http.ResponseWriter, r *http.Request) {
	ac, ok := httpx.AuthFrom(r.Context())
	if !ok || ac.ActorID == "" {
		httpx.WriteError(w, r, merrors.New(merrors.NotFound, "User ID not found"))
		return
	}
	usersRes.respond(w, r, ac.ActorID)
}
