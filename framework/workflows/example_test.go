package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
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

// userKey is how modules are registered and resolved (user.Key for the
// User Module).
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

// A step that creates John Smith through the user service resolved from the
// container (and deletes him when compensated), a workflow returning {user},
// and a route running it with the request's scope.
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
			return struct{}{}, struct{}{}, merrors.New(merrors.UnexpectedState, "mail server down")
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
		fmt.Println(runErr.State)
		for _, e := range runErr.Errors {
			fmt.Println(e.Step, e.Handler, e.Attempt, e.Err)
		}
	}
	fmt.Println(merrors.Is(err, merrors.UnexpectedState)) // errors.Is/As see through to each cause
	fmt.Println("users left:", len(users.users))
	// Output:
	// reverted
	// send-welcome-email invoke 1 mail server down
	// true
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

// A step emits events with its ctx, which carries the run's event group:
// the bus holds them until the run succeeds, and drops them when it reverts.
func Example_events() {
	bus := events.NewLocal()
	bus.Subscribe("user.created", func(ctx context.Context, msg events.Message) error {
		fmt.Println("delivered", msg.Name, string(msg.Data))
		return nil
	})
	root := container.New()
	container.MustRegister(root, events.BusKey, events.Bus(bus))

	announce := workflows.NewStep("announce-user", func(ctx context.Context, sc workflows.StepContext, id string) (struct{}, struct{}, error) {
		bus, err := container.Resolve(sc.Container, events.BusKey)
		if err != nil {
			return struct{}{}, struct{}{}, err
		}
		msg, err := events.New("user.created", map[string]string{"id": id}, events.Metadata{})
		if err != nil {
			return struct{}{}, struct{}{}, err
		}
		return struct{}{}, struct{}{}, bus.Emit(ctx, msg) // held until the run succeeds
	}, nil)
	wf := workflows.New("announce", func(wc *workflows.Context, id string) (struct{}, error) {
		if _, err := announce.Run(wc, id); err != nil {
			return struct{}{}, err
		}
		if id == "user_2" {
			return struct{}{}, errors.New("a later step failed")
		}
		return struct{}{}, nil
	})

	_, err := wf.Run(context.Background(), root.Scope(), "user_1")
	fmt.Println(err)
	_, err = wf.Run(context.Background(), root.Scope(), "user_2") // reverts: nothing delivered
	fmt.Println(err != nil)
	// Output:
	// delivered user.created {"id":"user_1"}
	// <nil>
	// true
}

// An async step waits, after its invoke, until something outside the run
// (a webhook, an admin) completes it with SetStepSuccess or fails it with
// SetStepFailure.
func ExampleWithAsync() {
	startPayment := func(ctx context.Context, sc workflows.StepContext, amount int) (string, int, error) {
		return "", amount, nil // ask the payment provider; the output comes later
	}
	refundPayment := func(ctx context.Context, sc workflows.StepContext, amount int) error {
		return nil
	}
	var waitForPayment = workflows.NewStep("wait-for-payment", startPayment, refundPayment, workflows.WithAsync())
	checkout := workflows.New("checkout", func(wc *workflows.Context, amount int) (string, error) {
		return waitForPayment.Run(wc, amount)
	})

	eng := workflows.NewEngine()
	awaiting := make(chan string, 1)
	eng.Subscribe(func(ev workflows.Event) {
		if ev.Type == workflows.EventStepAwaiting {
			awaiting <- ev.TransactionID
		}
	})
	go func() {
		// later, from a webhook:
		txID := <-awaiting
		ctx := context.Background()
		err := eng.SetStepSuccess(ctx, workflows.RunKey{WorkflowID: "checkout", TransactionID: txID}, "wait-for-payment", "paid: ch_123")
		if err != nil {
			fmt.Println(err)
		}
	}()
	out, err := checkout.Run(context.Background(), nil, 4200, workflows.WithEngine(eng), workflows.WithTransactionID("order_1"))
	fmt.Println(out, err)
	// Output: paid: ch_123 <nil>
}

// The Postgres store makes runs durable: each step's checkpoint is written
// in the step's transaction, and Recover resumes the runs that a crash
// interrupted. (An application's workflow engine is wired like this by the
// framework, with the job engine's timers as well; see package wftimers.)
func Example_postgresStore() {
	ctx := context.Background()
	pool, err := db.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if _, err := migrate.New(pool, wfmigrations.Source()).Up(ctx); err != nil { // the store's tables
		log.Fatal(err)
	}

	root := container.New()
	eng := workflows.NewEngine(
		workflows.WithStore(pgstore.New(pool)),
		workflows.WithContainer(root), // recovered runs resolve services from it
		workflows.WithLogger(slog.Default()),
	)
	container.MustRegister(root, workflows.EngineKey, eng)

	// At start-up, once every workflow is known:
	if err := eng.Register(createUserWorkflow); err != nil {
		log.Fatal(err)
	}
	root.OnLifecycle("workflows", func(ctx context.Context) error {
		_, err := eng.Recover(ctx) // resumes interrupted runs in the background
		return err
	}, eng.Shutdown)
	if err := root.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer root.Stop(ctx)
}
