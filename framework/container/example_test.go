package container_test

import (
	"context"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
)

// UserService stands for a module's service.
type UserService struct{ DSN string }

// Keys are declared once, next to the module, and shared by callers.
var UserModule = container.NewKey[*UserService]("user")

func Example() {
	root := container.New()
	if err := container.Register(root, UserModule, &UserService{DSN: "postgres:///medusa"}); err != nil {
		fmt.Println(err)
		return
	}

	// Resolve returns the key's type: no cast.
	svc, err := container.Resolve(root, UserModule)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(svc.DSN)

	// A typo gets the registered keys and a suggestion.
	_, err = container.Resolve(root, container.NewKey[*UserService]("usr"))
	fmt.Println(err)
	// Output:
	// postgres:///medusa
	// container: resolve "usr": not registered; did you mean "user"?; registered: user
}

func ExampleContainer_Scope() {
	root := container.New()
	container.MustRegister(root, UserModule, &UserService{})
	requestID := container.NewKey[string]("request_id")

	// One scope per HTTP request: it sees the root's services, and what it
	// registers stays in it.
	req := root.Scope()
	container.MustRegister(req, requestID, "req_01")

	_, err := container.Resolve(req, UserModule)
	fmt.Println("user from scope:", err == nil)
	id, _ := container.Resolve(req, requestID)
	fmt.Println("request id in scope:", id)
	fmt.Println("request id in root:", root.Has("request_id"))
	// Output:
	// user from scope: true
	// request id in scope: req_01
	// request id in root: false
}

func ExampleProvide() {
	root := container.New()
	dsn := container.NewKey[string]("dsn")
	container.MustRegister(root, dsn, "lazy")
	err := container.Provide(root, UserModule, func(ctx context.Context, c *container.Container) (*UserService, error) {
		fmt.Println("building the user service")
		// Resolve dependencies with ctx: a dependency cycle then fails with
		// ErrCycle instead of deadlocking.
		d, err := container.ResolveContext(ctx, c, dsn)
		if err != nil {
			return nil, err
		}
		return &UserService{DSN: d}, nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("registered")
	a := container.MustResolve(root, UserModule)
	b := container.MustResolve(root.Scope(), UserModule)
	fmt.Println(a == b, a.DSN)
	// Output:
	// registered
	// building the user service
	// true lazy
}

// logService shows the lifecycle: Start in registration order, Stop in reverse.
type logService struct{ name string }

func (s *logService) Start(context.Context) error { fmt.Println("start", s.name); return nil }
func (s *logService) Stop(context.Context) error  { fmt.Println("stop", s.name); return nil }

func ExampleContainer_Start() {
	c := container.New()
	container.MustRegister(c, container.NewKey[*logService]("pool"), &logService{"pool"})
	container.MustRegister(c, container.NewKey[*logService]("bus"), &logService{"bus"})
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		fmt.Println(err)
	}
	if err := c.Stop(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// start pool
	// start bus
	// stop bus
	// stop pool
}
