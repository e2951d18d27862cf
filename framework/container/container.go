package container

import (
	"context"
	"errors"
	"fmt"
	"github.com/medusa-go/medusa/framework/names"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrNotRegistered is wrapped by the error Resolve returns for an unknown key.
var ErrNotRegistered = errors.New("not registered")

// ErrWrongType is wrapped by the error Resolve returns when the value under a
// key is not of the key's type.
var ErrWrongType = errors.New("wrong type")

// ErrDuplicate is wrapped by the error Register returns when a key is taken.
var ErrDuplicate = errors.New("already registered")

// ErrCycle is wrapped by the error Resolve returns when Provide factories
// depend on each other in a circle. It is detected when the factories
// resolve their dependencies with ResolveContext and the ctx they are given;
// with Resolve (no context) such a cycle deadlocks.
var ErrCycle = errors.New("dependency cycle")

// Key names a registration and fixes its Go type, so Resolve needs no cast.
// Two keys with the same name denote the same registration.
type Key[T any] struct{ name string }

// NewKey returns the key called name for values of type T.
func NewKey[T any](name string) Key[T] { return Key[T]{name: name} }

// Name returns the key's name, such as "user".
func (k Key[T]) Name() string { return k.name }

// String implements fmt.Stringer.
func (k Key[T]) String() string { return k.name }

// Starter is implemented by registered values that need starting; Start calls
// them in registration order. A value from Provide takes part in Start and
// Stop once it has been resolved.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is implemented by registered values that hold resources; Stop calls
// them in reverse registration order.
type Stopper interface {
	Stop(ctx context.Context) error
}

type entry struct {
	name    string
	value   any
	typ     reflect.Type
	factory func(ctx context.Context, c *Container) (any, error)
	once    sync.Once
	err     error
	built   atomic.Bool // the factory ran successfully; value is set
	done    atomic.Bool // the factory ran
}

// Container holds named registrations. A root container lives for the whole
// process; Scope derives per-request containers that see the root's
// registrations but keep their own to themselves. A Container is safe for
// concurrent use.
type Container struct {
	parent *Container
	mu     sync.RWMutex
	items  map[string]*entry
	order  []*entry
	hooks  []hook
}

type hook struct {
	name  string
	start func(context.Context) error
	stop  func(context.Context) error
}

// New returns an empty root container.
func New() *Container { return &Container{items: map[string]*entry{}} }

// Scope returns a child container. Resolve on the child looks in the child
// first and then in its ancestors; registrations made on the child are
// invisible to the parent and to sibling scopes.
func (c *Container) Scope() *Container {
	return &Container{parent: c, items: map[string]*entry{}}
}

// Parent returns the container a scope was derived from, or nil for a root.
func (c *Container) Parent() *Container { return c.parent }

func (c *Container) add(e *entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[e.name]; ok {
		return fmt.Errorf("container: register %q: %w", e.name, ErrDuplicate)
	}
	c.items[e.name] = e
	c.order = append(c.order, e)
	return nil
}

// Register stores v under k. A key can be registered once per container (a
// scope may shadow a parent's key).
func Register[T any](c *Container, k Key[T], v T) error {
	if k.name == "" {
		return errors.New("container: register: empty key name")
	}
	return c.add(&entry{name: k.name, value: v, typ: reflect.TypeFor[T]()})
}

// MustRegister is Register that panics on error; for start-up wiring.
func MustRegister[T any](c *Container, k Key[T], v T) {
	if err := Register(c, k, v); err != nil {
		panic(err)
	}
}

// Provide registers a lazy singleton: fn runs once, on the first Resolve (from
// this container or any scope of it), and its result or error is kept. fn gets
// the container the key is registered in (never a request scope) and should
// resolve what it needs with ResolveContext(ctx, c, key), so that a
// dependency cycle fails with ErrCycle instead of deadlocking.
func Provide[T any](c *Container, k Key[T], fn func(ctx context.Context, c *Container) (T, error)) error {
	if k.name == "" {
		return errors.New("container: provide: empty key name")
	}
	return c.add(&entry{name: k.name, typ: reflect.TypeFor[T](), factory: func(ctx context.Context, c *Container) (any, error) {
		return fn(ctx, c)
	}})
}

// Resolve returns the value registered under k, looking in c and then in its
// ancestors. A miss lists the registered keys and suggests the nearest one.
func Resolve[T any](c *Container, k Key[T]) (T, error) {
	return ResolveContext(context.Background(), c, k)
}

// ResolveContext is Resolve with a context passed to lazy providers.
func ResolveContext[T any](ctx context.Context, c *Container, k Key[T]) (T, error) {
	var zero T
	e, owner := c.lookup(k.name)
	if e == nil {
		return zero, c.missError(k.name)
	}
	v, err := e.get(ctx, owner)
	if err != nil {
		return zero, fmt.Errorf("container: resolve %q: %w", k.name, err)
	}
	t, ok := v.(T)
	if !ok {
		if v == nil && e.typ == reflect.TypeFor[T]() {
			return zero, nil // a nil interface value registered under its own key
		}
		return zero, fmt.Errorf("container: resolve %q: holds %s, not %s: %w", k.name, describe(v, e.typ), reflect.TypeFor[T](), ErrWrongType)
	}
	return t, nil
}

// MustResolve is Resolve that panics on error; for wiring code where a miss is
// a programming error.
func MustResolve[T any](c *Container, k Key[T]) T {
	v, err := Resolve(c, k)
	if err != nil {
		panic(err)
	}
	return v
}

// ResolveName resolves by name without a type, for dynamic callers such as
// CLIs and admin views.
func (c *Container) ResolveName(ctx context.Context, name string) (any, error) {
	e, owner := c.lookup(name)
	if e == nil {
		return nil, c.missError(name)
	}
	v, err := e.get(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("container: resolve %q: %w", name, err)
	}
	return v, nil
}

// Has reports whether name resolves from c.
func (c *Container) Has(name string) bool {
	e, _ := c.lookup(name)
	return e != nil
}

// Keys returns the sorted names visible from c.
func (c *Container) Keys() []string {
	seen := map[string]bool{}
	for x := c; x != nil; x = x.parent {
		x.mu.RLock()
		for n := range x.items {
			seen[n] = true
		}
		x.mu.RUnlock()
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (c *Container) lookup(name string) (*entry, *Container) {
	for x := c; x != nil; x = x.parent {
		x.mu.RLock()
		e := x.items[name]
		x.mu.RUnlock()
		if e != nil {
			return e, x
		}
	}
	return nil, nil
}

func (e *entry) get(ctx context.Context, owner *Container) (any, error) {
	if e.factory == nil {
		return e.value, nil
	}
	if !e.done.Load() {
		// A factory that resolves, through ctx, a value whose factory is
		// still running on the same chain would wait for itself forever.
		if chain, _ := ctx.Value(buildingKey{}).(*building); chain.has(e) {
			return nil, fmt.Errorf("%s: %w", chain.path(e), ErrCycle)
		}
	}
	e.once.Do(func() {
		prev, _ := ctx.Value(buildingKey{}).(*building)
		bctx := context.WithValue(ctx, buildingKey{}, &building{e: e, prev: prev})
		e.value, e.err = e.factory(bctx, owner)
		if e.err == nil {
			e.built.Store(true)
		}
		e.done.Store(true)
	})
	return e.value, e.err
}

// buildingKey marks, in the context given to a Provide factory, the chain of
// lazy values being built, so a cycle fails instead of deadlocking.
type buildingKey struct{}

type building struct {
	e    *entry
	prev *building
}

func (b *building) has(e *entry) bool {
	for ; b != nil; b = b.prev {
		if b.e == e {
			return true
		}
	}
	return false
}

// path renders the cycle that closes on e, outermost first: "a -> b -> a".
func (b *building) path(e *entry) string {
	var names []string
	for ; b != nil; b = b.prev {
		names = append(names, b.e.name)
		if b.e == e {
			break
		}
	}
	slices.Reverse(names)
	return strings.Join(append(names, e.name), " -> ")
}

func describe(v any, declared reflect.Type) string {
	if v == nil {
		return declared.String()
	}
	return reflect.TypeOf(v).String()
}

func (c *Container) missError(name string) error {
	keys := c.Keys()
	msg := fmt.Sprintf("container: resolve %q: %v", name, ErrNotRegistered)
	if s := names.Nearest(name, keys); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	if len(keys) == 0 {
		msg += "; nothing is registered"
	} else {
		msg += "; registered: " + strings.Join(keys, ", ")
	}
	return &missErr{msg: msg}
}

type missErr struct{ msg string }

func (e *missErr) Error() string { return e.msg }
func (e *missErr) Unwrap() error { return ErrNotRegistered }

// OnLifecycle adds start and stop functions (either may be nil) that run with
// Start and Stop, in registration order and reverse, after and before the
// registered values' own Start and Stop.
func (c *Container) OnLifecycle(name string, start, stop func(context.Context) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, hook{name: name, start: start, stop: stop})
}

type lifecycleItem struct {
	name  string
	start func(context.Context) error
	stop  func(context.Context) error
}

func (c *Container) lifecycle() []lifecycleItem {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var items []lifecycleItem
	for _, e := range c.order {
		if e.factory != nil && !e.built.Load() {
			continue // never resolved (or failed) lazy values are not started
		}
		it := lifecycleItem{name: e.name}
		if s, ok := e.value.(Starter); ok {
			it.start = s.Start
		}
		if s, ok := e.value.(Stopper); ok {
			it.stop = s.Stop
		}
		if it.start != nil || it.stop != nil {
			items = append(items, it)
		}
	}
	for _, h := range c.hooks {
		items = append(items, lifecycleItem(h))
	}
	return items
}

// Start starts every registered Starter and lifecycle hook in order. If one
// fails, the ones already started are stopped in reverse order and the error
// is returned.
func (c *Container) Start(ctx context.Context) error {
	items := c.lifecycle()
	for i, it := range items {
		if it.start == nil {
			continue
		}
		if err := it.start(ctx); err != nil {
			stopErr := stopAll(ctx, items[:i])
			return errors.Join(fmt.Errorf("container: start %q: %w", it.name, err), stopErr)
		}
	}
	return nil
}

// Stop stops every registered Stopper and lifecycle hook in reverse order,
// continuing past failures, and returns all errors joined.
func (c *Container) Stop(ctx context.Context) error {
	return stopAll(ctx, c.lifecycle())
}

func stopAll(ctx context.Context, items []lifecycleItem) error {
	var errs []error
	for _, it := range slices.Backward(items) {
		if it.stop == nil {
			continue
		}
		if err := it.stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("container: stop %q: %w", it.name, err))
		}
	}
	return errors.Join(errs...)
}
