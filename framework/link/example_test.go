package link_test

import (
	"fmt"

	"github.com/medusa-go/medusa/framework/entity"
	"github.com/medusa-go/medusa/framework/link"
)

// A post has one author, a user; a user has many posts, which are
// soft-deleted with their author.
func ExampleDefine() {
	postAuthor := link.Define(
		link.Of(post).List().DeleteCascade(),
		link.Of(person).As("author"),
	)
	reg, err := link.NewRegistry([]*entity.Entity{post, person}, postAuthor)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(postAuthor.Table(), postAuthor.EntryPoint())
	for _, e := range []*entity.Entity{post, person} {
		for _, end := range reg.Links(e) {
			fmt.Printf("%s.%s: %s, list %v, cascade %v\n", e.Name, end.Name, end.To.Name, end.List, end.Cascade)
		}
	}
	fmt.Printf("%+v\n", postAuthor.Pair("post_1", "user_1"))
	// Output:
	// blog_post_user_user post_user
	// post.author: user, list false, cascade false
	// user.posts: post, list true, cascade true
	// {From:{Module:blog Key:post_id ID:post_1} To:{Module:user Key:user_id ID:user_1} Data:map[] Link:blog_post_user_user}
}

// Extra columns are written with each link's Data.
func ExampleExtra() {
	likes := link.Define(link.Of(post).List().As("liked_posts"), link.Of(person).List().As("likers"),
		link.Table("post_like"),
		link.Extra(link.Column{Name: "weight", Type: link.Integer, Default: 1}, link.Column{Name: "note", Type: link.Text, Nullable: true}))
	p := likes.Pair("post_1", "user_1").With(map[string]any{"weight": 5})
	fmt.Println(likes.Table(), p.Data["weight"])
	// Output: post_like 5
}
