package linktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"github.com/medusa-go/medusa/modules/user"
)

func wantErr(t *testing.T, err error, typ merrors.Type, msg string) {
	t.Helper()
	e, ok := merrors.As(err)
	if !ok || e.Type != typ || !strings.Contains(e.Message, msg) {
		t.Fatalf("error %v, want %s containing %q", err, typ, msg)
	}
}

func TestCreateListDismiss(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	u := e.newUsers(t, 2)
	p := e.newPosts(t, "a", "b", "c")

	if err := e.links.Create(ctx, PostAuthor.Pair(p[0], u[0]), PostAuthor.Pair(p[1], u[0])); err != nil {
		t.Fatal(err)
	}
	t.Run("one author per post", func(t *testing.T) {
		wantErr(t, e.links.Create(ctx, PostAuthor.Pair(p[0], u[1])), merrors.InvalidData, "Cannot create multiple links between 'blog' and 'user'")
		wantErr(t, e.links.Create(ctx, PostAuthor.Pair(p[2], u[1]), PostAuthor.Pair(p[2], u[0])), merrors.InvalidData, "Cannot create multiple links")
		if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p1-u1", "p2-u1"}) {
			t.Fatalf("a refused create changed the links: %v", got)
		}
		if err := e.links.Create(ctx, PostAuthor.Pair(p[0], u[0])); err != nil {
			t.Fatalf("creating a live pair again: %v", err)
		}
		got, err := e.links.List(ctx, PostAuthor.Pair("", u[0]))
		if err != nil || len(got) != 2 || got[0].From.ID != p[0] || got[1].From.ID != p[1] || got[0].Data != nil {
			t.Fatalf("posts of u1: %+v, %v", got, err)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		wrong := link.Pair{From: link.Ref{Module: "user", Key: "user_id", ID: u[0]}, To: link.Ref{Module: "blog", Key: "post_id", ID: p[2]}}
		wantErr(t, e.links.Create(ctx, wrong), merrors.InvalidData, "Module to type user and blog by keys user_id and post_id was not found. Ensure the link exists, keys are correct, and link is passed in the correct order to method 'link.create'.")
		wantErr(t, e.links.Dismiss(ctx, wrong), merrors.InvalidData, "method 'link.dismiss'")
		wantErr(t, e.links.Create(ctx, PostAuthor.Pair(p[2], "")), merrors.InvalidData, `link blog_post_user_user: create with an empty id (post_id "p3", user_id "")`)
		wantErr(t, e.links.Create(ctx, PostLikes.Pair(p[2], u[0]).With(map[string]any{"wieght": 2})), merrors.InvalidData, `link blog_post_like has no extra column "wieght"; did you mean "weight"?`)
		wantErr(t, e.links.Create(ctx, PostAuthor.Pair(p[2], u[0]).With(map[string]any{"x": 1})), merrors.InvalidData, `has no extra column "x"; it has none`)
		wantErr(t, e.links.Create(ctx, PostLikes.Pair(p[2], u[0]).With(map[string]any{"weight": "heavy"})), merrors.InvalidData, "")
		if got := e.live(t, PostLikes); len(got) != 0 {
			t.Fatalf("bad input created %v", got)
		}
	})
	t.Run("many-to-many with extra columns", func(t *testing.T) {
		if err := e.links.Create(ctx, PostLikes.Pair(p[0], u[0]).With(map[string]any{"weight": 5, "note": "great"}), PostLikes.Pair(p[0], u[1]), PostLikes.Pair(p[1], u[1])); err != nil {
			t.Fatal(err)
		}
		got, err := e.links.List(ctx, PostLikes.Pair(p[0], ""))
		if err != nil || len(got) != 2 {
			t.Fatalf("likes of p1: %+v, %v", got, err)
		}
		if fmt.Sprint(got[0].Data) != "map[note:great weight:5]" || fmt.Sprint(got[1].Data) != "map[note:<nil> weight:1]" {
			t.Fatalf("data %v / %v", got[0].Data, got[1].Data)
		}
		if err := e.links.Dismiss(ctx, PostLikes.Pair(p[0], u[0]), PostLikes.Pair(p[2], u[0])); err != nil {
			t.Fatal(err)
		}
		if got := e.live(t, PostLikes); !slices.Equal(got, []string{"p1-u2", "p2-u2"}) {
			t.Fatalf("after dismiss: %v", got)
		}
		// creating a dismissed link brings it back, with the new data
		if err := e.links.Create(ctx, PostLikes.Pair(p[0], u[0]).With(map[string]any{"weight": 7})); err != nil {
			t.Fatal(err)
		}
		got, _ = e.links.List(ctx, PostLikes.Pair(p[0], u[0]))
		if len(got) != 1 || fmt.Sprint(got[0].Data) != "map[note:great weight:7]" {
			t.Fatalf("recreated: %+v", got)
		}
	})
	t.Run("a dismissed author can be replaced", func(t *testing.T) {
		if err := e.links.Dismiss(ctx, PostAuthor.Pair(p[0], u[0])); err != nil {
			t.Fatal(err)
		}
		if err := e.links.Create(ctx, PostAuthor.Pair(p[0], u[1])); err != nil {
			t.Fatal(err)
		}
		if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p1-u2", "p2-u1"}) {
			t.Fatalf("authors %v", got)
		}
	})
}

// fixture: u1 wrote p1 (comments c1, c2; tag t1), u2 wrote p2 (comment c3);
// u2 likes p1, u1 likes p2.
func fixture(t *testing.T, e *env) (u, p []string) {
	t.Helper()
	ctx := context.Background()
	u = e.newUsers(t, 2)
	p = e.newPosts(t, "Go links", "Query in Go")
	if _, err := e.blog.CreateComments(ctx, blog.CreateCommentInput{ID: "c1", Body: "one", PostID: p[0]}, blog.CreateCommentInput{ID: "c2", Body: "two", PostID: p[0]}, blog.CreateCommentInput{ID: "c3", Body: "three", PostID: p[1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.blog.CreateTags(ctx, blog.CreateTagInput{ID: "t1", Value: "go"}); err != nil {
		t.Fatal(err)
	}
	if err := e.blog.AttachPostTags(ctx, p[0], "t1"); err != nil {
		t.Fatal(err)
	}
	if err := e.links.Create(ctx, PostAuthor.Pair(p[0], u[0]), PostAuthor.Pair(p[1], u[1]), PostLikes.Pair(p[0], u[1]), PostLikes.Pair(p[1], u[0])); err != nil {
		t.Fatal(err)
	}
	return u, p
}

func (e *env) livePosts(t *testing.T) []string {
	t.Helper()
	ps, err := e.blog.ListPosts(context.Background(), blog.PostFilter{}, sqlb.FindConfig{Relations: []string{"comments"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s%d", p.ID, len(p.Comments)))
	}
	return out
}

// TestSoftDeleteCascadesAndRestoreBringsBack soft-deletes a user through
// the User Module's service: its Cascader (the link service) dismisses the
// user's links, soft-deletes the posts of the deleteCascade side (and,
// through the blog module, their comments and links), all in the user's
// transaction; restoring the user brings everything back.
func TestSoftDeleteCascadesAndRestoreBringsBack(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	u, _ := fixture(t, e)

	keys, err := e.users.SoftDeleteUsers(ctx, u[0])
	if err != nil || !slices.Equal(keys["user_id"], []string{"u1"}) {
		t.Fatalf("soft delete: %v, %v", keys, err)
	}
	if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p2-u2"}) {
		t.Fatalf("authors after soft delete: %v", got)
	}
	if got := e.live(t, PostLikes); len(got) != 0 {
		t.Fatalf("likes after soft delete: %v (u1's like of p2 and p1's like by u2 must be dismissed)", got)
	}
	if got := e.livePosts(t); !slices.Equal(got, []string{"p21"}) {
		t.Fatalf("posts after soft delete: %v (p1 must follow its author)", got)
	}
	var comments int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM "comment" WHERE deleted_at IS NULL`).Scan(&comments); err != nil || comments != 1 {
		t.Fatalf("live comments %d, %v", comments, err)
	}

	if _, err := e.users.RestoreUsers(ctx, u[0]); err != nil {
		t.Fatal(err)
	}
	if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p1-u1", "p2-u2"}) {
		t.Fatalf("authors after restore: %v", got)
	}
	if got := e.live(t, PostLikes); !slices.Equal(got, []string{"p1-u2", "p2-u1"}) {
		t.Fatalf("likes after restore: %v", got)
	}
	if got := e.livePosts(t); !slices.Equal(got, []string{"p12", "p21"}) {
		t.Fatalf("posts after restore: %v", got)
	}
}

// TestFailedCascadeWritesNothing: a cascade that fails rolls the soft
// delete back with it.
func TestFailedCascadeWritesNothing(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	u, _ := fixture(t, e)
	if _, err := e.pool.Exec(ctx, `ALTER TABLE "post" ADD CONSTRAINT no_delete CHECK (deleted_at IS NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.SoftDeleteUsers(ctx, u[0]); err == nil {
		t.Fatal("soft delete with a failing cascade succeeded")
	}
	if got, err := e.users.RetrieveUser(ctx, u[0]); err != nil || got.DeletedAt != nil {
		t.Fatalf("user after a failed cascade: %+v, %v", got, err)
	}
	if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p1-u1", "p2-u2"}) {
		t.Fatalf("authors after a failed cascade: %v", got)
	}
}

func TestHardDeleteRemovesLinks(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	u, _ := fixture(t, e)
	if err := e.users.DeleteUsers(ctx, u[1]); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM blog_post_user_user) + (SELECT count(*) FROM blog_post_like)`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("link rows left: %d (want p1-u1 only), %v", rows, err)
	}
	var posts int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM post`).Scan(&posts); err != nil || posts != 1 {
		t.Fatalf("posts left: %d (p2 is deleted with its author), %v", posts, err)
	}
}

// TestServiceDeleteAndRestore is Medusa's link.delete / link.restore: by
// keys, whatever the modules' services did.
func TestServiceDeleteAndRestore(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	u, _ := fixture(t, e)
	removed, err := e.links.Delete(ctx, link.Keys{"user": {"user_id": {u[0]}}})
	if err != nil || fmt.Sprint(removed) != "map[blog:map[post_id:[p1]]]" {
		t.Fatalf("delete: %v, %v", removed, err)
	}
	if got := e.livePosts(t); !slices.Equal(got, []string{"p21"}) {
		t.Fatalf("posts after delete: %v", got)
	}
	if u1, err := e.users.RetrieveUser(ctx, u[0]); err != nil || u1.DeletedAt != nil {
		t.Fatalf("link.delete touched the user itself: %+v, %v", u1, err)
	}
	if _, err := e.links.Restore(ctx, link.Keys{"user": {"user_id": {u[0]}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.livePosts(t); !slices.Equal(got, []string{"p12", "p21"}) {
		t.Fatalf("posts after restore: %v", got)
	}
	if got := e.live(t, PostLikes); !slices.Equal(got, []string{"p1-u2", "p2-u1"}) {
		t.Fatalf("likes after restore: %v", got)
	}
	_, err = e.links.Delete(ctx, link.Keys{"user": {"nope_id": {"x"}}})
	wantErr(t, err, merrors.InvalidData, "Key nope_id is not linkable on service user")
}

var errBoom = errors.New("boom")

var failStep = workflows.NewStep("fail", func(context.Context, workflows.StepContext, struct{}) (struct{}, struct{}, error) {
	return struct{}{}, struct{}{}, errBoom
}, nil)

// TestLinkStepsCompensate runs each link step before a failing step: the
// run reverts what the step did.
func TestLinkStepsCompensate(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	u, p := fixture(t, e)
	run := func(name string, body func(wc *workflows.Context) error) {
		t.Helper()
		w := workflows.New(name, func(wc *workflows.Context, _ struct{}) (struct{}, error) {
			if err := body(wc); err != nil {
				return struct{}{}, err
			}
			_, err := failStep.Run(wc, struct{}{})
			return struct{}{}, err
		})
		if _, err := w.Run(ctx, e.c, struct{}{}); !errors.Is(err, errBoom) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	run("create-then-fail", func(wc *workflows.Context) error {
		got, err := link.CreateLinksStep.Run(wc, []link.Pair{PostLikes.Pair(p[0], u[0]).With(map[string]any{"weight": 3})})
		if err == nil && len(e.live(t, PostLikes)) != 3 {
			t.Errorf("create step did not create: %v", got)
		}
		return err
	})
	if got := e.live(t, PostLikes); !slices.Equal(got, []string{"p1-u2", "p2-u1"}) {
		t.Fatalf("create compensated: %v", got)
	}
	if err := e.links.Create(ctx, PostLikes.Pair(p[0], u[0]).With(map[string]any{"weight": 9, "note": "kept"})); err != nil {
		t.Fatal(err)
	}
	run("dismiss-then-fail", func(wc *workflows.Context) error {
		_, err := link.DismissLinksStep.Run(wc, []link.Pair{PostLikes.Pair(p[0], "")})
		if err == nil && len(e.live(t, PostLikes)) != 1 {
			t.Errorf("dismiss step did not dismiss: %v", e.live(t, PostLikes))
		}
		return err
	})
	got, _ := e.links.List(ctx, PostLikes.Pair(p[0], u[0]))
	if len(got) != 1 || fmt.Sprint(got[0].Data) != "map[note:kept weight:9]" || len(e.live(t, PostLikes)) != 3 {
		t.Fatalf("dismiss compensated: %+v, %v", got, e.live(t, PostLikes))
	}
	run("remove-then-fail", func(wc *workflows.Context) error {
		_, err := link.RemoveLinksStep.Run(wc, link.Keys{"user": {"user_id": {u[0]}}})
		if err == nil && !slices.Equal(e.livePosts(t), []string{"p21"}) {
			t.Errorf("remove step did not cascade: %v", e.livePosts(t))
		}
		return err
	})
	if got := e.livePosts(t); !slices.Equal(got, []string{"p12", "p21"}) {
		t.Fatalf("remove compensated: %v", got)
	}
	if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p1-u1", "p2-u2"}) {
		t.Fatalf("authors after the remove was compensated: %v", got)
	}
}

// TestUserFlowsDismissLinks: deleting users with the User Module's
// workflows dismisses their links through the link service, also when the
// User Module's service has no link hook (user.WithCascader(nil)), and a
// reverted run brings them back.
func TestUserFlowsDismissLinks(t *testing.T) {
	ctx := context.Background()
	for _, hook := range []bool{true, false} {
		t.Run(fmt.Sprintf("service hook %v", hook), func(t *testing.T) {
			var opts []user.Option
			if !hook {
				opts = append(opts, user.WithCascader(nil))
			}
			e := setup(t, opts...)
			u, _ := fixture(t, e)
			if _, err := flowsDeleteUsers(ctx, e, u[0]); err != nil {
				t.Fatal(err)
			}
			if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p2-u2"}) {
				t.Fatalf("authors after delete-user: %v", got)
			}
			if got := e.livePosts(t); !slices.Equal(got, []string{"p21"}) {
				t.Fatalf("posts after delete-user: %v", got)
			}
			if _, err := flowsRemoveAccount(ctx, e, u[1]); err != nil {
				t.Fatal(err)
			}
			if got := e.live(t, PostAuthor); len(got) != 0 {
				t.Fatalf("authors after remove-user-account: %v", got)
			}
		})
	}
	t.Run("reverted", func(t *testing.T) {
		e := setup(t, user.WithCascader(nil))
		u, _ := fixture(t, e)
		if err := flowsDeleteThenFail(ctx, e, u[0]); !errors.Is(err, errBoom) {
			t.Fatalf("run: %v", err)
		}
		if got := e.live(t, PostAuthor); !slices.Equal(got, []string{"p1-u1", "p2-u2"}) {
			t.Fatalf("authors after the reverted run: %v", got)
		}
		if got := e.livePosts(t); !slices.Equal(got, []string{"p12", "p21"}) {
			t.Fatalf("posts after the reverted run: %v", got)
		}
	})
}

func TestPublishWorkflow(t *testing.T) {
	e := setup(t)
	u := e.newUsers(t, 1)
	post, err := publishWorkflow.Run(context.Background(), e.c, PublishInput{Title: "Links", AuthorID: u[0]})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.live(t, PostAuthor); !slices.Equal(got, []string{post.ID + "-" + u[0]}) {
		t.Fatalf("links %v", got)
	}
}
