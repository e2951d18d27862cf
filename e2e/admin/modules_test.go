package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"net/http"
	"testing"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user"
)

// usersOpenAPI describes the User Module's admin routes the way modgen
// describes a generated module's (its openapi_gen.json): a list route
// answering {users, count, offset, limit} with fields, limit, offset, order
// and q, and retrieve, update (a strict body) and soft delete by id. The
// users routes have that shape, so the generic module pages can run on a
// real service before generated modules can be mounted in the application.
func usersOpenAPI() map[string]any {
	type obj = map[string]any
	str := obj{"type": "string"}
	nullable := obj{"type": []any{"string", "null"}}
	when := obj{"type": "string", "format": "date-time"}
	whenNull := obj{"type": []any{"string", "null"}, "format": "date-time"}
	ref := func(n string) obj { return obj{"$ref": "#/components/schemas/" + n} }
	id := obj{"name": "id", "in": "path", "required": true, "schema": str}
	fields := obj{"name": "fields", "in": "query", "schema": str}
	one := obj{"description": "OK", "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{"user": ref("User")}}}}}
	return obj{
		"openapi": "3.1.0",
		"info":    obj{"title": "users (test)", "version": "0"},
		"paths": obj{
			"/admin/users": obj{"get": obj{
				"operationId": "ListUsers",
				"parameters": []obj{fields,
					{"name": "limit", "in": "query", "schema": obj{"type": "integer", "default": 50}},
					{"name": "offset", "in": "query", "schema": obj{"type": "integer", "default": 0}},
					{"name": "order", "in": "query", "schema": str},
					{"name": "q", "in": "query", "schema": str}},
				"responses": obj{"200": obj{"description": "OK", "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{
					"users": obj{"type": "array", "items": ref("User")}, "count": obj{"type": "integer"}, "offset": obj{"type": "integer"}, "limit": obj{"type": "integer"}}}}}}},
			}},
			"/admin/users/{id}": obj{
				"get":    obj{"operationId": "RetrieveUser", "parameters": []obj{id, fields}, "responses": obj{"200": one}},
				"post":   obj{"operationId": "UpdateUser", "parameters": []obj{id, fields}, "requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": ref("UpdateUser")}}}, "responses": obj{"200": one}},
				"delete": obj{"operationId": "DeleteUser", "parameters": []obj{id}, "responses": obj{"200": obj{"description": "OK"}}},
			},
		},
		"components": obj{"schemas": obj{
			"User": obj{"type": "object", "properties": obj{
				"id": str, "email": str, "first_name": nullable, "last_name": nullable, "avatar_url": nullable, "metadata": obj{},
				"created_at": when, "updated_at": when, "deleted_at": whenNull}},
			"UpdateUser": obj{"type": "object", "additionalProperties": false, "properties": obj{
				"first_name": nullable, "last_name": nullable, "avatar_url": nullable, "metadata": obj{}}},
		}},
	}
}

// serveOpenAPI is an application whose own route replaces the served
// OpenAPI document with doc.
func serveOpenAPI(doc map[string]any) app.Config {
	return app.Config{Routes: func(r *module.Router) error {
		r.HandleFunc("GET /admin/openapi.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
		})
		return nil
	}}
}

// The module pages, made from the OpenAPI document alone, list (search,
// filter, paginate), show, edit and soft-delete rows of a real service.
func TestModulePages(t *testing.T) {
	e := startApp(t, serveOpenAPI(usersOpenAPI()))
	e.account(t, adminEmail, adminPassword, "Ada", "Admin")
	var in []user.CreateUserInput
	for i := range 24 {
		first := fmt.Sprintf("First%02d", i)
		in = append(in, user.CreateUserInput{Email: fmt.Sprintf("user%02d@store.test", i), FirstName: &first})
	}
	ulla := "Ulla"
	in = append(in, user.CreateUserInput{Email: "ulla@store.test", FirstName: &ulla})
	if _, err := e.Users.CreateUsers(context.Background(), in...); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, e.URL, 1280, 900)
	b.signIn(adminEmail, adminPassword)
	// The document's resource is in the navigation.
	if n := eval[int](b, `document.querySelectorAll('nav a[href="/app/modules/users"]').length`); n != 1 {
		t.Fatalf("%d navigation links to the users module page", n)
	}
	b.open("/app/modules/users")
	b.waitText("Showing 1–20 of 26 users")
	b.shot("module-list")
	b.click("Next page")
	b.waitText("Showing 21–26 of 26 users")

	b.fill("Search users", "user07")
	b.click("Apply search and filters")
	b.waitText("Showing 1–1 of 1 users")
	b.waitText("user07@store.test")

	b.fill("Search users", "")
	b.fill("First name", "Ulla")
	b.click("Apply search and filters")
	b.waitText("Showing 1–1 of 1 users")
	b.click("ulla@store.test")
	b.waitText("Edit user")
	b.shot("module-item")
	b.fill("First name", "Ursula")
	b.click("Save changes")
	b.waitText("Changes saved.")
	b.waitText("Ursula")
	got, err := e.Users.ListUsers(context.Background(), user.UserFilter{Email: sqlb.Eq("ulla@store.test")})
	if err != nil || len(got) != 1 || got[0].FirstName == nil || *got[0].FirstName != "Ursula" {
		t.Fatalf("after the edit: %+v, %v", got, err)
	}

	// A field that does not parse is refused before anything is sent.
	b.fill("Metadata", "{not json")
	b.click("Save changes")
	b.waitText("Metadata is not valid JSON.")
	b.fill("Metadata", "")

	b.click("Delete user")
	b.click("Yes, delete user")
	b.waitText("deleted.")
	b.waitText("Showing 1–20 of 25 users")
	got, err = e.Users.ListUsers(context.Background(), user.UserFilter{Email: sqlb.Eq("ulla@store.test")})
	if err != nil || len(got) != 0 {
		t.Fatalf("after the delete: %+v, %v", got, err)
	}
}

// A generated module's pages come from its own OpenAPI document, merged
// into the application's: the blog test module, listed in app.Config like
// any module, gets a list (search, pagination), a detail page, edit, soft
// delete and restore without UI code of its own.
func TestGeneratedModulePages(t *testing.T) {
	e := startApp(t, app.Config{Modules: []module.Module{blog.Generated()}})
	e.account(t, adminEmail, adminPassword, "Ada", "Admin")
	posts, err := container.Resolve(e.App.Container, blog.Key)
	if err != nil {
		t.Fatal(err)
	}
	var in []blog.CreatePostInput
	for i := range 23 {
		in = append(in, blog.CreatePostInput{ID: fmt.Sprintf("post_%02d", i), Title: fmt.Sprintf("Post number %02d", i)})
	}
	in = append(in, blog.CreatePostInput{ID: "post_links", Title: "Module links in Go"})
	if _, err := posts.CreatePosts(context.Background(), in...); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, e.URL, 1280, 900)
	b.signIn(adminEmail, adminPassword)
	if n := eval[int](b, `document.querySelectorAll('nav a[href="/app/modules/posts"]').length`); n != 1 {
		t.Fatalf("%d navigation links to the posts page", n)
	}
	b.open("/app/modules/posts")
	b.waitText("Showing 1–20 of 24 posts")
	b.shot("generated-module-list")
	b.click("Next page")
	b.waitText("Showing 21–24 of 24 posts")

	b.fill("Search posts", "links")
	b.click("Apply search and filters")
	b.waitText("Showing 1–1 of 1 posts")
	b.click("Module links in Go")
	b.waitText("Edit post")
	b.fill("Title", "Module links and Query")
	b.click("Save changes")
	b.waitText("Changes saved.")
	if p, err := posts.RetrievePost(context.Background(), "post_links"); err != nil || p.Title != "Module links and Query" {
		t.Fatalf("after the edit: %+v, %v", p, err)
	}

	b.click("Delete post")
	b.click("Yes, delete post")
	b.waitText("Post deleted.")
	if _, err := posts.RetrievePost(context.Background(), "post_links"); err == nil {
		t.Fatal("the post is still there after the delete")
	}
	b.click("Restore post")
	b.waitText("Post restored.")
	if p, err := posts.RetrievePost(context.Background(), "post_links"); err != nil || p.Title != "Module links and Query" {
		t.Fatalf("after the restore: %+v, %v", p, err)
	}
}

// A list whose count the server estimates (count_estimated: here a search
// under a count bound of 5) shows "about" the count and offers the next
// page while the page is full.
func TestEstimatedCount(t *testing.T) {
	def := app.Config{}
	def.Settings.Limits = config.DefaultLimits
	def.Settings.Limits.ListCountLimit = 5
	e := startApp(t, def)
	e.account(t, adminEmail, adminPassword, "Ada", "Admin")
	var in []user.CreateUserInput
	for i := range 24 {
		in = append(in, user.CreateUserInput{Email: fmt.Sprintf("user%02d@store.test", i)})
	}
	if _, err := e.Users.CreateUsers(context.Background(), in...); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, e.URL, 1280, 900)
	b.signIn(adminEmail, adminPassword)
	b.open("/app/users")
	b.fill("Search users", "user")
	b.click("Search")
	nextDisabled := func() bool {
		return eval[bool](b, `[...document.querySelectorAll("button")].find((x) => x.textContent === "Next page").disabled`)
	}
	b.waitText("Showing 1–20 of about ")
	if nextDisabled() {
		t.Fatal("a full page of an estimated count offers no next page")
	}
	b.click("Next page")
	b.waitText("Showing 21–24 of about ")
	if !nextDisabled() {
		t.Fatal("the last page of an estimated count offers a next page")
	}
}
