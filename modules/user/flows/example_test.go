package flows_test

import (
	"context"
	"fmt"
	"os"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
)

// Wiring at start-up: the event bus, the User Module with its options, the
// Auth Module under "auth" (not shown), and a workflow engine that knows the
// user workflows. Then a request invites a colleague and, later, the
// invitee accepts with the identity they registered.
func Example() {
	ctx := context.Background()
	pool, err := db.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()

	root := container.New()
	container.MustRegister(root, events.BusKey, events.Bus(events.NewLocal()))
	if err := user.RegisterModule(root, pool, user.Options{JWTSecret: os.Getenv("JWT_SECRET")}); err != nil {
		fmt.Println(err) // No jwt_secret was provided in the UserModule's options. Please add one.
		return
	}
	engine := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithContainer(root))
	container.MustRegister(root, workflows.EngineKey, engine)
	if err := engine.Register(flows.Workflows()...); err != nil {
		fmt.Println(err)
		return
	}

	// POST /admin/invites
	invites, err := flows.CreateInvitesWorkflow.Run(ctx, root.Scope(), flows.CreateInvitesInput{
		Invites: []user.CreateInviteInput{{Email: "colleague@example.com"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// POST /admin/invites/accept?token=… by the identity authid_… (needs "auth").
	created, err := flows.AcceptInviteWorkflow.Run(ctx, root.Scope(), flows.AcceptInviteInput{
		InviteToken:    invites[0].Token,
		AuthIdentityID: "authid_01J…",
		User:           flows.AcceptInviteUser{FirstName: ptr("Ada")},
	})
	fmt.Println(created, err)
}

// An application workflow reusing the module's steps: create users, then do
// its own work; if that fails, the users are deleted again.
func Example_reuseSteps() {
	onboard := workflows.New("onboard-team", func(wc *workflows.Context, emails []string) ([]user.User, error) {
		in := make([]user.CreateUserInput, len(emails))
		for i, e := range emails {
			in[i] = user.CreateUserInput{Email: e}
		}
		created, err := flows.CreateUsersWorkflow.RunAsStep(wc, flows.CreateUsersInput{Users: in})
		if err != nil {
			return nil, err
		}
		// … further steps of the application …
		return created, nil
	})
	fmt.Println(onboard.Name())
	// Output: onboard-team
}
