package linktest

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/query"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"github.com/medusa-go/medusa/modules/user"
)

// wire is what an application does with its links at start-up: check them
// against the modules' entities, bring the link tables up to date (db
// migrate), and register the link service and Query beside the modules.
func wire(ctx context.Context, pool *pgxpool.Pool, root *container.Container) error {
	reg, err := link.NewRegistry(slices.Concat(user.Entities, blog.Entities), PostAuthor, PostLikes)
	if err != nil {
		return err
	}
	// db migrate, after the modules' migrations
	if _, err := link.Sync(ctx, pool, reg, link.SyncOptions{}); err != nil {
		return err
	}
	// the root container holds the modules (user.RegisterModule, blog.Register, …)
	if err := link.Register(root, pool, reg); err != nil {
		return err
	}
	return query.Register(root, reg)
}

func Example_wire() {
	var pool *pgxpool.Pool // the application's pool
	if err := wire(context.Background(), pool, container.New()); err != nil {
		fmt.Println(err)
	}
}

// useLinks creates, lists, dismisses and deletes links with the link
// service.
func useLinks(ctx context.Context, scope *container.Container, post blog.Post, author, liker user.User) error {
	links, err := container.Resolve(scope, link.Key)
	if err != nil {
		return err
	}
	if err := links.Create(ctx, PostAuthor.Pair(post.ID, author.ID)); err != nil {
		return err // e.g. invalid_data "Cannot create multiple links between 'blog' and 'user'"
	}
	if err := links.Create(ctx, PostLikes.Pair(post.ID, liker.ID).With(map[string]any{"weight": 5})); err != nil {
		return err
	}
	likes, err := links.List(ctx, PostLikes.Pair(post.ID, "")) // every like of the post, with its data
	if err != nil {
		return err
	}
	fmt.Println(len(likes), likes[0].Data["weight"])
	if err := links.Dismiss(ctx, PostLikes.Pair(post.ID, liker.ID)); err != nil {
		return err
	}
	// what deleting the author through the User Module does by itself:
	// dismiss the author's links and soft-delete the posts (deleteCascade)
	removed, err := links.Delete(ctx, link.Keys{"user": {"user_id": {author.ID}}})
	fmt.Println(removed["blog"]["post_id"]) // [post.ID]
	return err
}

func Example_links() {
	_ = useLinks(context.Background(), container.New(), blog.Post{ID: "post_1"}, user.User{ID: "user_1"}, user.User{ID: "user_2"})
}

// readPosts reads posts with their author (another module, through a link)
// and their comments (a relation of the blog module), typed.
func readPosts(ctx context.Context, q *query.Query) error {
	posts, md, err := query.GraphOf[blog.Post](ctx, q, query.Input{
		Entity:     "post",
		Fields:     []string{"title", "author.email", "comments.body"},
		Filters:    map[string]any{"views": map[string]any{"$gte": 10}},
		Pagination: query.Page(0, 20, sqlb.Order{Field: "views", Desc: true}),
	})
	if err != nil {
		return err
	}
	for _, p := range posts {
		author, _ := query.One[user.User](p.Linked, "author")
		fmt.Println(p.Title, author.Email, len(p.Comments))
	}
	fmt.Println(md.Count) // every matching post, not only this page
	return nil
}

func Example_query() {
	var q *query.Query // container.Resolve(scope, query.Key)
	_ = readPosts(context.Background(), q)
}

// relations reads posts with relations of their own module, through the
// module's service, and relates a post to tags.
func relations(ctx context.Context, posts *blog.Service, postID string, tagIDs ...string) error {
	if err := posts.AttachPostTags(ctx, postID, tagIDs...); err != nil {
		return err // not_found when a tag does not exist; nothing is attached
	}
	got, err := posts.ListPosts(ctx, blog.PostFilter{ID: sqlb.Eq(postID)}, sqlb.FindConfig{
		Select:    []string{"id", "title", "comments.body"},
		Relations: []string{"tags"},
	})
	if err != nil {
		return err
	}
	fmt.Println(len(got[0].Comments), len(got[0].Tags))
	return posts.DetachPostTags(ctx, postID, tagIDs...)
}

func Example_relations() {
	var s *blog.Service
	_ = relations(context.Background(), s, "post_1", "tag_1")
}

// PublishInput is the input of publishWorkflow.
type PublishInput struct {
	Title, AuthorID string
}

// publishWorkflow creates a post and links it to its author; when a step
// fails, the link is dismissed and the post deleted again.
var publishWorkflow = workflows.New("publish-post", func(wc *workflows.Context, in PublishInput) (blog.Post, error) {
	post, err := createPostStep.Run(wc, in.Title)
	if err != nil {
		return blog.Post{}, err
	}
	if _, err := link.CreateLinksStep.Run(wc, []link.Pair{PostAuthor.Pair(post.ID, in.AuthorID)}); err != nil {
		return blog.Post{}, err
	}
	return post, nil
})

var createPostStep = workflows.NewStep("create-post",
	func(ctx context.Context, sc workflows.StepContext, title string) (blog.Post, string, error) {
		s, err := container.ResolveContext(ctx, sc.Container, blog.Key)
		if err != nil {
			return blog.Post{}, "", err
		}
		out, err := s.CreatePosts(ctx, blog.CreatePostInput{Title: title})
		if err != nil {
			return blog.Post{}, "", err
		}
		return out[0], out[0].ID, nil
	},
	func(ctx context.Context, sc workflows.StepContext, id string) error {
		s, err := container.ResolveContext(ctx, sc.Container, blog.Key)
		if err != nil {
			return err
		}
		return s.DeletePosts(ctx, id)
	})

func Example_workflow() {
	_, _ = publishWorkflow.Run(context.Background(), container.New(), PublishInput{Title: "Links", AuthorID: "user_1"})
}
