package container_test

import (
	"context"
	"testing"

	"github.com/medusa-go/medusa/framework/container"
)

// sink keeps the compiler from optimising resolves away.
var sink *userService

func BenchmarkResolveRootSingleton(b *testing.B) {
	c := container.New()
	for _, n := range []string{"auth", "config", "logger", "events", "workflows"} {
		container.MustRegister(c, container.NewKey[int](n), 1)
	}
	container.MustRegister(c, kUser, &userService{})
	b.ReportAllocs()
	for b.Loop() {
		u, err := container.Resolve(c, kUser)
		if err != nil {
			b.Fatal(err)
		}
		sink = u
	}
}

func BenchmarkResolveLazySingleton(b *testing.B) {
	c := container.New()
	if err := container.Provide(c, kUser, func(context.Context, *container.Container) (*userService, error) {
		return &userService{}, nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sink = container.MustResolve(c, kUser)
	}
}

// BenchmarkResolveFromScope resolves a root singleton through a request scope
// that holds a registration of its own (the per-request path).
func BenchmarkResolveFromScope(b *testing.B) {
	root := container.New()
	container.MustRegister(root, kUser, &userService{})
	scope := root.Scope()
	container.MustRegister(scope, kRequest, "req_1")
	b.ReportAllocs()
	for b.Loop() {
		u, err := container.Resolve(scope, kUser)
		if err != nil {
			b.Fatal(err)
		}
		sink = u
	}
}

// BenchmarkScopePerRequest is the whole per-request cost: a new scope, one
// scoped registration, one resolve from the root.
func BenchmarkScopePerRequest(b *testing.B) {
	root := container.New()
	container.MustRegister(root, kUser, &userService{})
	b.ReportAllocs()
	for b.Loop() {
		s := root.Scope()
		container.MustRegister(s, kRequest, "req_1")
		sink = container.MustResolve(s, kUser)
	}
}

func BenchmarkResolveRootSingletonParallel(b *testing.B) {
	c := container.New()
	container.MustRegister(c, kUser, &userService{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var u *userService
		for pb.Next() {
			u = container.MustResolve(c, kUser)
		}
		_ = u
	})
}
