package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/workflows"
)

// User and userService stand in for the User Module in this example.
type User struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

type CreateUserInput struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

type userService struct {
	mu    sync.Mutex
	users map[string]User
	next  int
}

func (s *userService) CreateUsers(ctx context.Context, in CreateUserInput) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	u := User{ID: fmt.Sprintf("user_%d", s.next), FirstName: in.FirstName, LastName: in.LastName, Email: in.Email}
	s.users[u.ID] = u
	return u, nil
}

func (s *userService) DeleteUsers(ctx context.Context, ids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.users, id)
	}
	return nil
}

// userKey is how modules are registered and resolved (modules.User in the
// application).
var userKey = container.NewKey[*userService]("user")

// createUserStep resolves the user module from the run's container, creates
// the user, and hands the new id to its compensation, which deletes him.
var createUserStep = workflows.NewStep("create-user",
	func(ctx context.Context, sc workflows.StepContext, in CreateUserInput) (User, string, error) {
		users, err := container.Resolve(sc.Container, userKey)
		if err != nil {
			return User{}, "", err
		}
		u, err := users.CreateUsers(ctx, in)
		return u, u.ID, err
	},
	func(ctx context.Context, sc workflows.StepContext, id string) error {
		if id == "" {
			return nil // the invoke failed before creating anyone
		}
		users, err := container.Resolve(sc.Container, userKey)
		if err != nil {
			return err
		}
		return users.DeleteUsers(ctx, id)
	})

type CreateUserResult struct {
	User User `json:"user"`
}

// createUserWorkflow runs the step and returns {user}.
var createUserWorkflow = workflows.New("create-user",
	func(wc *workflows.Context, in CreateUserInput) (CreateUserResult, error) {
		u, err := createUserStep.Run(wc, in)
		if err != nil {
			return CreateUserResult{}, err
		}
		return CreateUserResult{User: u}, nil
	})

// The seed's example: a step that creates John Smith through the User Module
// resolved from the container (and deletes him when compensated), a workflow
// returning {user}, and a route running it with the request's scope.
func Example() {
	root := container.New()
	container.MustRegister(root, userKey, &userService{users: map[string]User{}})
	container.MustRegister(root, workflows.EngineKey, workflows.NewEngine(workflows.WithContainer(root)))

	route := func(w http.ResponseWriter, r *http.Request) {
		scope := root.Scope() // the request scope
		res, err := createUserWorkflow.Run(r.Context(), scope, CreateUserInput{
			FirstName: "John", LastName: "Smith", Email: "john@smith.com",
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	}

	rec := httptest.NewRecorder()
	route(rec, httptest.NewRequest("POST", "/users", nil))
	fmt.Print(rec.Body.String())
	// Output:
	// {"user":{"id":"user_1","first_name":"John","last_name":"Smith","email":"john@smith.com"}}
}

// When a later step fails, the create-user step is compensated: John Smith is
// deleted again, and the error names the failing step.
func ExampleStep_compensation() {
	users := &userService{users: map[string]User{}}
	root := container.New()
	container.MustRegister(root, userKey, users)

	notify := workflows.NewStep("send-welcome-email",
		func(ctx context.Context, sc workflows.StepContext, u User) (struct{}, struct{}, error) {
			return struct{}{}, struct{}{}, errors.New("mail server down")
		}, nil)
	onboard := workflows.New("onboard-user", func(wc *workflows.Context, in CreateUserInput) (User, error) {
		u, err := createUserStep.Run(wc, in)
		if err != nil {
			return User{}, err
		}
		_, err = notify.Run(wc, u)
		return u, err
	})

	_, err := onboard.Run(context.Background(), root.Scope(), CreateUserInput{FirstName: "John", LastName: "Smith"})
	var runErr *workflows.RunError
	if errors.As(err, &runErr) {
		fmt.Println(runErr.State, runErr.Errors[0].Step, runErr.Errors[0].Handler, runErr.Errors[0].Err)
	}
	fmt.Println("users left:", len(users.users))
	// Output:
	// reverted send-welcome-email invoke mail server down
	// users left: 0
}

// Parallel steps return typed results.
func ExampleParallel2() {
	count := workflows.NewStep("count", func(ctx context.Context, sc workflows.StepContext, s string) (int, int, error) {
		return len(s), 0, nil
	}, nil)
	shout := workflows.NewStep("shout", func(ctx context.Context, sc workflows.StepContext, s string) (string, string, error) {
		return s + "!", "", nil
	}, nil)
	wf := workflows.New("both", func(wc *workflows.Context, in string) (string, error) {
		n, s, err := workflows.Parallel2(wc, count.Bind(in), shout.Bind(in))
		return fmt.Sprintf("%d %s", n, s), err
	})
	out, err := wf.Run(context.Background(), nil, "hello")
	fmt.Println(out, err)
	// Output: 5 hello! <nil>
}

// A hook lets application code plug one handler into a workflow.
func ExampleHook() {
	userCreated := workflows.NewHook[User, string]("userCreated")
	wf := workflows.New("create-user-with-hook", func(wc *workflows.Context, in CreateUserInput) (CreateUserResult, error) {
		u, err := createUserStep.Run(wc, in)
		if err != nil {
			return CreateUserResult{}, err
		}
		note, err := userCreated.Run(wc, u)
		if err != nil {
			return CreateUserResult{}, err
		}
		fmt.Println("hook said:", note)
		return CreateUserResult{User: u}, nil
	})

	// In the application, at start-up:
	_ = userCreated.Handle(func(ctx context.Context, sc workflows.StepContext, u User) (string, error) {
		return "welcome " + u.FirstName, nil
	}, nil)
	err := userCreated.Handle(func(ctx context.Context, sc workflows.StepContext, u User) (string, error) { return "", nil }, nil)
	fmt.Println(err)

	root := container.New()
	container.MustRegister(root, userKey, &userService{users: map[string]User{}})
	res, err := wf.Run(context.Background(), root.Scope(), CreateUserInput{FirstName: "John", LastName: "Smith"})
	fmt.Println(res.User.ID, err)
	// Output:
	// Cannot define multiple hook handlers for the userCreated hook
	// hook said: welcome John
	// user_1 <nil>
}

// Runs can be read back for an admin view.
func ExampleEngine_GetRun() {
	root := container.New()
	container.MustRegister(root, userKey, &userService{users: map[string]User{}})
	eng := workflows.NewEngine(workflows.WithContainer(root), workflows.WithDefaultRetention(time.Hour))
	_, _ = createUserWorkflow.Run(context.Background(), root.Scope(), CreateUserInput{FirstName: "John"},
		workflows.WithEngine(eng), workflows.WithTransactionID("tx-1"))

	view, _ := eng.GetRun(context.Background(), workflows.RunKey{WorkflowID: "create-user", TransactionID: "tx-1"})
	fmt.Println(view.State)
	for _, st := range view.Steps {
		out, _ := json.Marshal(st.Output)
		comp, _ := json.Marshal(st.CompInput)
		fmt.Println(st.Position, st.Name, st.State, string(out), string(comp))
	}
	// Output:
	// done
	// 0 create-user done {"id":"user_1","first_name":"John","last_name":"","email":""} "user_1"
}
