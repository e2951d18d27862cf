package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/app/apptest"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/modules/user"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// listResponse is a list route's answer.
type listResponse struct {
	Users []struct {
		ID string `json:"id"`
	} `json:"users"`
	Invites []struct {
		ID string `json:"id"`
	} `json:"invites"`
	Count          int     `json:"count"`
	CountEstimated *bool   `json:"count_estimated"`
	NextCursor     *string `json:"next_cursor"`
}

func (l listResponse) ids() []string {
	var out []string
	for _, u := range l.Users {
		out = append(out, u.ID)
	}
	for _, i := range l.Invites {
		out = append(out, i.ID)
	}
	return out
}

// lists returns a function that calls GET path on an application whose
// lists count exactly up to countLimit rows, as a signed-in user, and
// returns the status, body and decoded answer; and the User Module.
func lists(t *testing.T, countLimit int) (func(path string) (int, string, listResponse), *user.Service) {
	t.Helper()
	limits := config.DefaultLimits
	limits.ListCountLimit = countLimit
	a := apptest.New(t, app.Config{Settings: config.Config{Limits: limits}})
	tok, _ := apptest.UserToken(t, a, "admin@example.com")
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	return func(path string) (int, string, listResponse) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var l listResponse
		if res.StatusCode == 200 {
			if err := json.Unmarshal(b, &l); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, b)
			}
		}
		return res.StatusCode, string(b), l
	}, users
}

// TestUserListsAtScale checks the medusa-go extensions of GET /admin/users
// and /admin/invites: pages by cursor (next_cursor, null at the end, keys
// absent without a cursor), refused cursors, the bounded count
// (count_estimated only past the bound; the kept count of an unfiltered
// list stays exact) and the q ranking (exact matches first).
func TestUserListsAtScale(t *testing.T) {
	get, users := lists(t, 3)
	ctx := context.Background()
	str := func(s string) *string { return &s }
	if _, err := users.CreateUsers(ctx,
		user.CreateUserInput{ID: "user_1", Email: "one@example.com", FirstName: str("Annabel")},
		user.CreateUserInput{ID: "user_2", Email: "two@example.com", FirstName: str("ANN")},
		user.CreateUserInput{ID: "user_3", Email: "three@example.com", LastName: str("ann")},
		user.CreateUserInput{ID: "user_4", Email: "ann@example.com"},
		user.CreateUserInput{ID: "user_5", Email: "five@example.com"},
	); err != nil {
		t.Fatal(err)
	}

	// Medusa's shape without a cursor, and the kept count of the table,
	// exact past the bound.
	code, body, all := get("/admin/users?limit=100&fields=id")
	if code != 200 || all.Count != 6 || len(all.Users) != 6 || strings.Contains(body, "next_cursor") || strings.Contains(body, "count_estimated") {
		t.Fatalf("all: %d %s", code, body)
	}
	for _, order := range []string{"", "&order=-email", "&order=first_name", "&order=-last_name"} {
		code, body, want := get("/admin/users?limit=100&fields=id" + order)
		if code != 200 {
			t.Fatalf("order %q: %d %s", order, code, body)
		}
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			code, body, l := get("/admin/users?limit=2&fields=id&cursor=" + cursor + order)
			if code != 200 || l.NextCursor == nil && !strings.Contains(body, `"next_cursor":null`) || pages > 4 {
				t.Fatalf("order %q, page %d: %d %s", order, pages, code, body)
			}
			got = append(got, l.ids()...)
			if l.NextCursor == nil {
				break
			}
			cursor = *l.NextCursor
		}
		if !slices.Equal(got, want.ids()) {
			t.Errorf("order %q: by cursor %v, by offset %v", order, got, want.ids())
		}
	}
	_, _, first := get("/admin/users?limit=2&cursor=&order=email")
	for _, c := range []struct{ path, msg string }{
		{"/admin/users?cursor=" + *first.NextCursor, "Invalid cursor: it was made for the order email,id, not id"},
		{"/admin/users?cursor=abc", "Invalid cursor: it is not a cursor a list returned"},
		{"/admin/users?cursor=&offset=2", "cursor cannot be combined with an offset"},
		{"/admin/invites?cursor=" + *first.NextCursor, "Invalid cursor: it was made for a list of user, not of invite"},
	} {
		if code, body, _ := get(c.path); code != 400 || !strings.Contains(body, `"type":"invalid_data"`) || !strings.Contains(body, c.msg) {
			t.Errorf("GET %s: %d %s, want 400 %q", c.path, code, body, c.msg)
		}
	}

	// A filtered count past the bound is the planner's estimate, flagged.
	code, body, l := get("/admin/users?created_at[$gte]=2000-01-01T00:00:00Z&limit=1")
	if code != 200 || l.CountEstimated == nil || !*l.CountEstimated || l.Count < 4 {
		t.Fatalf("estimated count: %d %s", code, body)
	}
	if code, body, l := get("/admin/users?id[]=user_1&id[]=user_2"); code != 200 || l.Count != 2 || strings.Contains(body, "count_estimated") {
		t.Fatalf("count within the bound: %d %s", code, body)
	}

	// q without an order: rows where a field equals q first (as its eq
	// filter compares: a name exactly, so user_3's "ann" and not user_2's
	// "ANN"; the e-mail address without regard to case), then the rest,
	// each by id; pages by offset and by cursor agree.
	code, body, l = get("/admin/users?q=ann&fields=id")
	if want := []string{"user_3", "user_1", "user_2", "user_4"}; code != 200 || !slices.Equal(l.ids(), want) {
		t.Fatalf("q=ann: %d %s, want %v", code, body, want)
	}
	_, _, p1 := get("/admin/users?q=ann&fields=id&limit=3&cursor=")
	_, _, p2 := get("/admin/users?q=ann&fields=id&limit=3&cursor=" + *p1.NextCursor)
	_, _, o2 := get("/admin/users?q=ann&fields=id&limit=3&offset=1")
	if got := append(p1.ids(), p2.ids()...); !slices.Equal(got, l.ids()) || p2.NextCursor != nil || !slices.Equal(o2.ids(), l.ids()[1:]) {
		t.Fatalf("q=ann pages: cursor %v (next %v), offset 1 %v", got, p2.NextCursor, o2.ids())
	}
	if _, _, byID := get("/admin/users?q=ann&fields=id&order=id"); !slices.Equal(byID.ids(), []string{"user_1", "user_2", "user_3", "user_4"}) {
		t.Fatalf("q=ann&order=id: %v", byID.ids())
	}
	if _, body, mail := get("/admin/users?q=ANN@example.COM&fields=id"); !slices.Equal(mail.ids(), []string{"user_4"}) {
		t.Fatalf("q=ANN@example.COM (the e-mail address, any case): %s", body)
	}

	// Invites page by cursor too.
	for i := range 5 {
		if _, err := users.CreateInvites(ctx, user.CreateInviteInput{Email: fmt.Sprintf("inv%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, _, invites := get("/admin/invites?fields=id&order=-created_at")
	var got []string
	cursor := ""
	for {
		code, body, l := get("/admin/invites?fields=id&order=-created_at&limit=2&cursor=" + cursor)
		if code != 200 || len(got) > 5 {
			t.Fatalf("invites: %d %s", code, body)
		}
		got = append(got, l.ids()...)
		if l.NextCursor == nil {
			break
		}
		cursor = *l.NextCursor
	}
	if len(got) != 5 || !slices.Equal(got, invites.ids()) {
		t.Fatalf("invites by cursor %v, by offset %v", got, invites.ids())
	}
}
