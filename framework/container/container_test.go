package container_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/medusa-go/medusa/framework/container"
)

type userService struct{ name string }

var (
	kUser    = container.NewKey[*userService]("user")
	kAuth    = container.NewKey[*userService]("auth")
	kCount   = container.NewKey[int]("count")
	kRequest = container.NewKey[string]("request_id")
)

func TestRegisterResolve(t *testing.T) {
	c := container.New()
	u := &userService{name: "u"}
	if err := container.Register(c, kUser, u); err != nil {
		t.Fatalf("register: %v", err)
	}
	if err := container.Register(c, kCount, 42); err != nil {
		t.Fatalf("register: %v", err)
	}
	got, err := container.Resolve(c, kUser)
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if got != u {
		t.Fatalf("resolve returned %p, want the registered %p", got, u)
	}
	n, err := container.Resolve(c, kCount)
	if err != nil || n != 42 {
		t.Fatalf("resolve count = %d, %v; want 42, nil", n, err)
	}
	// A key built elsewhere with the same name and type denotes the same registration.
	if got := container.MustResolve(c, container.NewKey[*userService]("user")); got != u {
		t.Fatal("a second key with the same name and type resolved to a different value")
	}
	if kUser.Name() != "user" || kUser.String() != "user" {
		t.Fatalf("key name %q / %q, want user", kUser.Name(), kUser.String())
	}
	if !c.Has("user") || c.Has("nope") {
		t.Fatalf("Has(user)=%v Has(nope)=%v", c.Has("user"), c.Has("nope"))
	}
	if got, want := c.Keys(), []string{"count", "user"}; !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
	v, err := c.ResolveName(context.Background(), "user")
	if err != nil || v.(*userService) != u {
		t.Fatalf("ResolveName = %v, %v", v, err)
	}
}

func TestEmptyKeyNameIsRejected(t *testing.T) {
	c := container.New()
	if err := container.Register(c, container.NewKey[int](""), 1); err == nil {
		t.Fatal("Register with an empty key name succeeded")
	}
	err := container.Provide(c, container.NewKey[int](""), func(context.Context, *container.Container) (int, error) { return 1, nil })
	if err == nil {
		t.Fatal("Provide with an empty key name succeeded")
	}
	if len(c.Keys()) != 0 {
		t.Fatalf("a rejected registration left keys behind: %v", c.Keys())
	}
}

func TestMissingKeyListsKeysAndSuggestsNearest(t *testing.T) {
	c := container.New()
	container.MustRegister(c, kUser, &userService{})
	container.MustRegister(c, kAuth, &userService{})
	container.MustRegister(c, kCount, 1)

	_, err := container.Resolve(c, container.NewKey[*userService]("usr"))
	if err == nil {
		t.Fatal("resolving an unregistered key succeeded")
	}
	if !errors.Is(err, container.ErrNotRegistered) {
		t.Fatalf("errors.Is(err, ErrNotRegistered) = false for %v", err)
	}
	msg := err.Error()
	for _, want := range []string{`"usr"`, `did you mean "user"?`, "registered: auth, count, user"} {
		if !strings.Contains(msg, want) {
			t.Errorf("miss error %q lacks %q", msg, want)
		}
	}
}

func TestMissingKeyWithoutPlausibleSuggestion(t *testing.T) {
	c := container.New()
	container.MustRegister(c, kUser, &userService{})
	_, err := container.Resolve(c, container.NewKey[int]("payment_provider"))
	if !errors.Is(err, container.ErrNotRegistered) {
		t.Fatalf("err = %v, want ErrNotRegistered", err)
	}
	if strings.Contains(err.Error(), "did you mean") {
		t.Errorf("suggested a key that is nothing like the one asked for: %v", err)
	}
	if !strings.Contains(err.Error(), "registered: user") {
		t.Errorf("miss error does not list the registered keys: %v", err)
	}
}

func TestMissingKeyOnEmptyContainer(t *testing.T) {
	_, err := container.New().ResolveName(context.Background(), "user")
	if !errors.Is(err, container.ErrNotRegistered) {
		t.Fatalf("err = %v, want ErrNotRegistered", err)
	}
	if !strings.Contains(err.Error(), "nothing is registered") {
		t.Errorf("miss on an empty container should say nothing is registered: %v", err)
	}
}

func TestSuggestionIsCaseInsensitiveAndSeesParentKeys(t *testing.T) {
	root := container.New()
	container.MustRegister(root, container.NewKey[int]("configModule"), 1)
	scope := root.Scope()
	container.MustRegister(scope, kRequest, "r1")
	_, err := container.Resolve(scope, container.NewKey[int]("configmodul"))
	if err == nil || !strings.Contains(err.Error(), `did you mean "configModule"?`) {
		t.Fatalf("err = %v, want a suggestion of the root's configModule", err)
	}
	if !strings.Contains(err.Error(), "registered: configModule, request_id") {
		t.Fatalf("scope miss should list scope and root keys: %v", err)
	}
}

func TestMustResolvePanicsWithTheMissError(t *testing.T) {
	c := container.New()
	container.MustRegister(c, kUser, &userService{})
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("MustResolve of a missing key did not panic")
		}
		err, ok := r.(error)
		if !ok {
			t.Fatalf("panic value %T %v, want an error", r, r)
		}
		if !errors.Is(err, container.ErrNotRegistered) || !strings.Contains(err.Error(), `did you mean "user"?`) {
			t.Fatalf("panic error = %v", err)
		}
	}()
	container.MustResolve(c, container.NewKey[*userService]("usre"))
}

func TestMustRegisterPanicsOnDuplicate(t *testing.T) {
	c := container.New()
	container.MustRegister(c, kCount, 1)
	defer func() {
		r := recover()
		err, _ := r.(error)
		if !errors.Is(err, container.ErrDuplicate) {
			t.Fatalf("panic = %v, want ErrDuplicate", r)
		}
	}()
	container.MustRegister(c, kCount, 2)
}

func TestWrongType(t *testing.T) {
	c := container.New()
	container.MustRegister(c, container.NewKey[int]("thing"), 7)
	s, err := container.Resolve(c, container.NewKey[string]("thing"))
	if !errors.Is(err, container.ErrWrongType) {
		t.Fatalf("err = %v, want ErrWrongType", err)
	}
	if errors.Is(err, container.ErrNotRegistered) {
		t.Fatalf("a wrong type is not a miss: %v", err)
	}
	if s != "" {
		t.Fatalf("wrong-type resolve returned %q, want the zero value", s)
	}
	for _, want := range []string{`"thing"`, "holds int", "not string"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("wrong-type error %q lacks %q", err, want)
		}
	}
	// The typed registration is untouched.
	if n := container.MustResolve(c, container.NewKey[int]("thing")); n != 7 {
		t.Fatalf("resolve with the right type = %d, want 7", n)
	}
}

func TestWrongTypeFromLazyProvider(t *testing.T) {
	c := container.New()
	if err := container.Provide(c, kUser, func(context.Context, *container.Container) (*userService, error) {
		return &userService{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err := container.Resolve(c, container.NewKey[io.Reader]("user"))
	if !errors.Is(err, container.ErrWrongType) || !strings.Contains(err.Error(), "*container_test.userService") {
		t.Fatalf("err = %v, want ErrWrongType naming *container_test.userService", err)
	}
}

func TestInterfaceKeys(t *testing.T) {
	c := container.New()
	var sb strings.Builder
	kw := container.NewKey[io.Writer]("writer")
	container.MustRegister[io.Writer](c, kw, &sb)
	w, err := container.Resolve(c, kw)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, "hi")
	if sb.String() != "hi" {
		t.Fatalf("resolved writer is not the registered one")
	}
	// An interface key may resolve a registration made under a concrete key
	// of the same name when the value implements it.
	kb := container.NewKey[*strings.Builder]("builder")
	container.MustRegister(c, kb, &sb)
	if _, err := container.Resolve(c, container.NewKey[io.Writer]("builder")); err != nil {
		t.Fatalf("resolve *strings.Builder as io.Writer: %v", err)
	}
}

func TestNilInterfaceValueResolves(t *testing.T) {
	c := container.New()
	kw := container.NewKey[io.Writer]("writer")
	container.MustRegister(c, kw, nil)
	w, err := container.Resolve(c, kw)
	if err != nil {
		t.Fatalf("resolving a nil value registered under its own key: %v", err)
	}
	if w != nil {
		t.Fatalf("got %v, want nil", w)
	}
	if _, err := container.Resolve(c, container.NewKey[io.Reader]("writer")); !errors.Is(err, container.ErrWrongType) {
		t.Fatalf("nil io.Writer resolved as io.Reader: err = %v, want ErrWrongType", err)
	}
}

func TestDuplicateRegistration(t *testing.T) {
	c := container.New()
	first := &userService{name: "first"}
	container.MustRegister(c, kUser, first)
	err := container.Register(c, kUser, &userService{name: "second"})
	if !errors.Is(err, container.ErrDuplicate) {
		t.Fatalf("err = %v, want ErrDuplicate", err)
	}
	if !strings.Contains(err.Error(), `"user"`) {
		t.Errorf("duplicate error does not name the key: %v", err)
	}
	// Same name, other type: still the same registration, still a duplicate.
	if err := container.Register(c, container.NewKey[int]("user"), 1); !errors.Is(err, container.ErrDuplicate) {
		t.Fatalf("same name, other type: err = %v, want ErrDuplicate", err)
	}
	err = container.Provide(c, kUser, func(context.Context, *container.Container) (*userService, error) { return nil, nil })
	if !errors.Is(err, container.ErrDuplicate) {
		t.Fatalf("Provide over Register: err = %v, want ErrDuplicate", err)
	}
	if got := container.MustResolve(c, kUser); got != first {
		t.Fatalf("a rejected duplicate replaced the first registration (%q)", got.name)
	}
	if got := c.Keys(); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("Keys() = %v after rejected duplicates", got)
	}
}

func TestScopeInheritsRoot(t *testing.T) {
	root := container.New()
	u := &userService{}
	container.MustRegister(root, kUser, u)
	scope := root.Scope()
	if scope.Parent() != root || root.Parent() != nil {
		t.Fatal("Parent() does not link scope to root")
	}
	if got := container.MustResolve(scope, kUser); got != u {
		t.Fatal("scope did not resolve the root's registration")
	}
	nested := scope.Scope()
	if got := container.MustResolve(nested, kUser); got != u {
		t.Fatal("nested scope did not resolve the root's registration")
	}
	// Registered on the root after the scope was made: still visible.
	container.MustRegister(root, kCount, 3)
	if n := container.MustResolve(nested, kCount); n != 3 {
		t.Fatalf("late root registration not visible from scope: %d", n)
	}
}

func TestScopedRegistrationsDoNotLeak(t *testing.T) {
	root := container.New()
	container.MustRegister(root, kUser, &userService{name: "root"})
	a, b := root.Scope(), root.Scope()
	container.MustRegister(a, kRequest, "req-a")
	container.MustRegister(b, kRequest, "req-b") // same key in a sibling: no duplicate
	if got := container.MustResolve(a, kRequest); got != "req-a" {
		t.Fatalf("scope a sees %q", got)
	}
	if got := container.MustResolve(b, kRequest); got != "req-b" {
		t.Fatalf("scope b sees %q", got)
	}
	if _, err := container.Resolve(root, kRequest); !errors.Is(err, container.ErrNotRegistered) {
		t.Fatalf("root resolves a scoped key: err = %v", err)
	}
	if root.Has("request_id") || slices.Contains(root.Keys(), "request_id") {
		t.Fatal("scoped key visible in root's Has/Keys")
	}
	c := a.Scope()
	container.MustRegister(c, kCount, 1)
	if a.Has("count") || b.Has("count") || root.Has("count") {
		t.Fatal("a nested scope's registration leaked upward or sideways")
	}

	// A scope may shadow a root key without touching the root.
	container.MustRegister(a, kUser, &userService{name: "scoped"})
	if got := container.MustResolve(a, kUser).name; got != "scoped" {
		t.Fatalf("shadowed key resolves to %q in scope", got)
	}
	if got := container.MustResolve(root, kUser).name; got != "root" {
		t.Fatalf("shadowing in a scope changed the root: %q", got)
	}
	if got := container.MustResolve(b, kUser).name; got != "root" {
		t.Fatalf("shadowing in scope a changed sibling b: %q", got)
	}
	if err := container.Register(a, kUser, &userService{}); !errors.Is(err, container.ErrDuplicate) {
		t.Fatalf("second shadow in the same scope: err = %v, want ErrDuplicate", err)
	}
}

func TestProvideIsLazyAndRunsOnce(t *testing.T) {
	root := container.New()
	var calls atomic.Int32
	release := make(chan struct{})
	if err := container.Provide(root, kUser, func(ctx context.Context, c *container.Container) (*userService, error) {
		calls.Add(1)
		<-release
		return &userService{name: "lazy"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Fatal("Provide ran the factory before any Resolve")
	}
	const n = 64
	results := make([]*userService, n)
	errs := make([]error, n)
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			from := root
			if i%2 == 1 {
				from = root.Scope() // resolving from scopes shares the root's singleton
			}
			started.Done()
			results[i], errs[i] = container.Resolve(from, kUser)
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("factory ran %d times, want 1", got)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("resolve %d: %v", i, errs[i])
		}
		if results[i] != results[0] || results[i].name != "lazy" {
			t.Fatalf("resolve %d returned a different instance", i)
		}
	}
}

func TestProvideFactoryGetsOwnerContainerAndContext(t *testing.T) {
	root := container.New()
	container.MustRegister(root, kRequest, "root-value")
	type ctxKey struct{}
	var sawCtx any
	if err := container.Provide(root, kUser, func(ctx context.Context, c *container.Container) (*userService, error) {
		sawCtx = ctx.Value(ctxKey{})
		// A root singleton must not capture a request scope's values.
		v, err := container.Resolve(c, kRequest)
		return &userService{name: v}, err
	}); err != nil {
		t.Fatal(err)
	}
	scope := root.Scope()
	container.MustRegister(scope, kRequest, "scoped-value")
	ctx := context.WithValue(context.Background(), ctxKey{}, "marker")
	u, err := container.ResolveContext(ctx, scope, kUser)
	if err != nil {
		t.Fatal(err)
	}
	if u.name != "root-value" {
		t.Fatalf("root singleton built from the scope's value %q", u.name)
	}
	if sawCtx != "marker" {
		t.Fatalf("factory got context value %v, want the caller's", sawCtx)
	}
}

func TestProvideFactoryError(t *testing.T) {
	c := container.New()
	boom := errors.New("connect refused")
	var calls int
	if err := container.Provide(c, kUser, func(context.Context, *container.Container) (*userService, error) {
		calls++
		return nil, boom
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		u, err := container.Resolve(c, kUser)
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the factory's error", err)
		}
		if !strings.Contains(err.Error(), `"user"`) {
			t.Errorf("factory error does not name the key: %v", err)
		}
		if u != nil {
			t.Fatal("failed resolve returned a value")
		}
	}
	if _, err := c.ResolveName(context.Background(), "user"); !errors.Is(err, boom) {
		t.Fatalf("ResolveName err = %v", err)
	}
	if calls != 1 {
		t.Fatalf("factory ran %d times; its error should be kept", calls)
	}
}

func TestConcurrentRegisterResolve(t *testing.T) {
	root := container.New()
	container.MustRegister(root, kUser, &userService{})
	var wg sync.WaitGroup
	const workers, each = 8, 50
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := container.NewKey[int](fmt.Sprintf("k_%d_%d", w, i))
				if err := container.Register(root, k, i); err != nil {
					t.Error(err)
					return
				}
				if v, err := container.Resolve(root, k); err != nil || v != i {
					t.Errorf("resolve %s = %d, %v", k, v, err)
					return
				}
				s := root.Scope()
				container.MustRegister(s, kRequest, k.Name())
				if _, err := container.Resolve(s, kUser); err != nil {
					t.Error(err)
					return
				}
				_ = root.Keys()
				_ = root.Has("nope")
			}
		}()
	}
	// Concurrent duplicate registrations of one key: exactly one wins.
	var wins atomic.Int32
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if container.Register(root, kAuth, &userService{}) == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent registrations of one key succeeded, want 1", wins.Load())
	}
	if got, want := len(root.Keys()), workers*each+2; got != want {
		t.Fatalf("%d keys, want %d", got, want)
	}
}

// recorder is a service with Start and Stop that logs into a shared journal.
type recorder struct {
	name    string
	journal *[]string
	mu      *sync.Mutex
	failOn  string // "start" or "stop"
}

func (r *recorder) log(s string) {
	r.mu.Lock()
	*r.journal = append(*r.journal, s)
	r.mu.Unlock()
}

func (r *recorder) Start(context.Context) error {
	r.log("start " + r.name)
	if r.failOn == "start" {
		return fmt.Errorf("%s cannot start", r.name)
	}
	return nil
}

func (r *recorder) Stop(context.Context) error {
	r.log("stop " + r.name)
	if r.failOn == "stop" {
		return fmt.Errorf("%s cannot stop", r.name)
	}
	return nil
}

// stopOnly has a Stop but no Start.
type stopOnly struct{ *recorder }

func (s stopOnly) Start() {} // not a Starter: wrong signature

type journal struct {
	mu sync.Mutex
	l  []string
}

func (j *journal) rec(name, failOn string) *recorder {
	return &recorder{name: name, journal: &j.l, mu: &j.mu, failOn: failOn}
}

func TestStartStopOrder(t *testing.T) {
	var j journal
	c := container.New()
	container.MustRegister(c, container.NewKey[*recorder]("a"), j.rec("a", ""))
	container.MustRegister(c, kCount, 1) // neither Starter nor Stopper
	container.MustRegister(c, container.NewKey[stopOnly]("b"), stopOnly{j.rec("b", "")})
	container.MustRegister(c, container.NewKey[*recorder]("c"), j.rec("c", ""))
	c.OnLifecycle("hook", func(context.Context) error { j.rec("hook", "").log("start hook"); return nil },
		func(context.Context) error { j.rec("hook", "").log("stop hook"); return nil })
	c.OnLifecycle("stop-hook", nil, func(context.Context) error { j.rec("", "").log("stop stop-hook"); return nil })

	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"start a", "start c", "start hook", "stop stop-hook", "stop hook", "stop c", "stop b", "stop a"}
	if !slices.Equal(j.l, want) {
		t.Fatalf("lifecycle order\n got  %v\n want %v", j.l, want)
	}
}

func TestStopContinuesPastFailures(t *testing.T) {
	var j journal
	c := container.New()
	for _, r := range []*recorder{j.rec("a", "stop"), j.rec("b", ""), j.rec("c", "stop")} {
		container.MustRegister(c, container.NewKey[*recorder](r.name), r)
	}
	err := c.Stop(context.Background())
	if want := []string{"stop c", "stop b", "stop a"}; !slices.Equal(j.l, want) {
		t.Fatalf("stop order %v, want %v", j.l, want)
	}
	if err == nil {
		t.Fatal("Stop reported no error although two stops failed")
	}
	for _, want := range []string{`stop "a": a cannot stop`, `stop "c": c cannot stop`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Stop error %q lacks %q", err, want)
		}
	}
}

func TestFailedStartStopsTheStartedOnes(t *testing.T) {
	var j journal
	c := container.New()
	for _, r := range []*recorder{j.rec("a", ""), j.rec("b", "stop"), j.rec("c", "start"), j.rec("d", "")} {
		container.MustRegister(c, container.NewKey[*recorder](r.name), r)
	}
	err := c.Start(context.Background())
	if err == nil {
		t.Fatal("Start succeeded although c failed")
	}
	// c failed: d is never started, c is not stopped (it never started),
	// b and a are stopped in reverse order, b's stop failure is reported too.
	if want := []string{"start a", "start b", "start c", "stop b", "stop a"}; !slices.Equal(j.l, want) {
		t.Fatalf("journal %v, want %v", j.l, want)
	}
	for _, want := range []string{`start "c": c cannot start`, `stop "b": b cannot stop`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start error %q lacks %q", err, want)
		}
	}
}

func TestLifecycleOfLazyValues(t *testing.T) {
	var j journal
	c := container.New()
	mk := func(name string) func(context.Context, *container.Container) (*recorder, error) {
		return func(context.Context, *container.Container) (*recorder, error) { return j.rec(name, ""), nil }
	}
	container.MustRegister(c, container.NewKey[*recorder]("eager"), j.rec("eager", ""))
	if err := container.Provide(c, container.NewKey[*recorder]("resolved"), mk("resolved")); err != nil {
		t.Fatal(err)
	}
	if err := container.Provide(c, container.NewKey[*recorder]("never"), mk("never")); err != nil {
		t.Fatal(err)
	}
	container.MustResolve(c, container.NewKey[*recorder]("resolved"))
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// A never-resolved provider is neither built nor started; a resolved one
	// holds resources like any other value and is started and stopped.
	want := []string{"start eager", "start resolved", "stop resolved", "stop eager"}
	if !slices.Equal(j.l, want) {
		t.Fatalf("journal %v, want %v", j.l, want)
	}
}

func TestScopeLifecycleIsItsOwn(t *testing.T) {
	var j journal
	root := container.New()
	container.MustRegister(root, container.NewKey[*recorder]("root"), j.rec("root", ""))
	scope := root.Scope()
	container.MustRegister(scope, container.NewKey[*recorder]("req"), j.rec("req", ""))
	if err := scope.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"stop req"}; !slices.Equal(j.l, want) {
		t.Fatalf("stopping a scope ran %v, want %v (the root's services outlive requests)", j.l, want)
	}
}

func TestProvideCycleFailsInsteadOfDeadlocking(t *testing.T) {
	c := container.New()
	ka, kb, kc := container.NewKey[*userService]("a"), container.NewKey[*userService]("b"), container.NewKey[*userService]("c")
	dep := func(next container.Key[*userService]) func(context.Context, *container.Container) (*userService, error) {
		return func(ctx context.Context, c *container.Container) (*userService, error) {
			if _, err := container.ResolveContext(ctx, c, next); err != nil {
				return nil, fmt.Errorf("build: %w", err)
			}
			return &userService{}, nil
		}
	}
	for k, next := range map[container.Key[*userService]]container.Key[*userService]{ka: kb, kb: kc, kc: ka} {
		if err := container.Provide(c, k, dep(next)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := container.Resolve(c, ka)
	if !errors.Is(err, container.ErrCycle) {
		t.Fatalf("err = %v, want ErrCycle", err)
	}
	if !strings.Contains(err.Error(), "a -> b -> c -> a") {
		t.Errorf("cycle error %q does not show the cycle", err)
	}
	// The failure is kept for every member of the cycle.
	for _, k := range []container.Key[*userService]{kb, kc} {
		if _, err := container.Resolve(c, k); !errors.Is(err, container.ErrCycle) {
			t.Errorf("resolve %s afterwards: %v", k, err)
		}
	}

	self := container.NewKey[int]("self")
	if err := container.Provide(c, self, func(ctx context.Context, c *container.Container) (int, error) {
		return container.ResolveContext(ctx, c, self)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := container.Resolve(c, self); !errors.Is(err, container.ErrCycle) || !strings.Contains(err.Error(), "self -> self") {
		t.Fatalf("self-dependency: %v", err)
	}
}

func TestProvideDiamondIsNoCycle(t *testing.T) {
	c := container.New()
	var builds atomic.Int32
	leaf := container.NewKey[int]("leaf")
	if err := container.Provide(c, leaf, func(context.Context, *container.Container) (int, error) {
		builds.Add(1)
		return 1, nil
	}); err != nil {
		t.Fatal(err)
	}
	sum := func(deps ...container.Key[int]) func(context.Context, *container.Container) (int, error) {
		return func(ctx context.Context, c *container.Container) (int, error) {
			total := 0
			for _, d := range deps {
				v, err := container.ResolveContext(ctx, c, d)
				if err != nil {
					return 0, err
				}
				total += v
			}
			return total, nil
		}
	}
	left, right, top := container.NewKey[int]("left"), container.NewKey[int]("right"), container.NewKey[int]("top")
	for k, deps := range map[container.Key[int]][]container.Key[int]{left: {leaf}, right: {leaf}, top: {left, right}} {
		if err := container.Provide(c, k, sum(deps...)); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := container.Resolve(c, top); err != nil || v != 2 {
		t.Fatalf("top = %d, %v; want 2", v, err)
	}
	if builds.Load() != 1 {
		t.Fatalf("shared dependency built %d times", builds.Load())
	}
}
