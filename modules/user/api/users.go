package api

import (
	"net/http"
	"sync"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/modules/user"
)

// userFields are the default fields of the admin user routes (Medusa's
// query-config).
var userFields = []string{"id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at", "deleted_at"}

var (
	userQuery = qs.MustQuerySpec(qs.QueryConfig{Defaults: userFields})
	listUsers = qs.MustQuerySpec(qs.QueryConfig{
		Defaults:  userFields,
		List:      true,
		Orderable: user.UserEntity.Sortable, // the model's Sortable fields, each with its index
		Search:    true,
		Cursor:    true,
		Filters: []qs.FilterField{
			{Name: "id", Type: qs.TypeString, Array: true, Ops: qs.OpsEquality},
			{Name: "email", Type: qs.TypeString, Array: true, Ops: qs.OpsAll &^ qs.Ops(qs.OpRe, qs.OpContains)},
			{Name: "first_name", Type: qs.TypeString, Array: true, Ops: qs.OpsAll &^ qs.Ops(qs.OpRe, qs.OpContains)},
			{Name: "last_name", Type: qs.TypeString, Array: true, Ops: qs.OpsAll &^ qs.Ops(qs.OpRe, qs.OpContains)},
			{Name: "created_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
			{Name: "updated_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
			{Name: "deleted_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
		},
	})
)

func userFilter(q *qs.Query) (user.UserFilter, error) {
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
	page:     (*user.Service).ListUsersPage,
	id:       func(x user.User) string { return x.ID },
	retrieve: (*user.Service).RetrieveUser,
	pages:    &sync.Pool{},
}

// GET /admin/users/me
func handleMe(w http.ResponseWriter, r *http.Request) {
	ac, ok := httpauth.AuthFrom(r.Context())
	if !ok || ac.ActorID == "" {
		httpx.WriteError(w, r, merrors.New(merrors.NotFound, "User ID not found"))
		return
	}
	usersRes.respond(w, r, ac.ActorID)
}
