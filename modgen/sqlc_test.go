package modgen

import (
	"slices"
	"strings"
	"testing"
)

func TestSQLCEnv(t *testing.T) {
	const cache = "/home/dev/go/pkg/mod"
	const local = "file:///home/dev/go/pkg/mod/cache/download"
	for _, c := range []struct {
		name       string
		env        []string
		goenv      map[string]string // the go env file and defaults
		proxy      string
		flags      string
		noModCache bool
	}{
		{name: "proxy list", env: []string{"GOPROXY=https://proxy.golang.org,direct", "GOFLAGS=-buildvcs=false"}, proxy: local + ",https://proxy.golang.org,direct", flags: "-buildvcs=false"},
		{name: "off", env: []string{"GOPROXY=off"}, proxy: local},
		{name: "mod flags dropped", env: []string{"GOPROXY=off", "GOFLAGS=-mod=vendor -buildvcs=false -modfile=x.mod --mod=mod -modcacherw"}, proxy: local, flags: "-buildvcs=false -modcacherw"},
		{name: "last assignment wins", env: []string{"GOPROXY=https://a.example", "GOPROXY=off"}, proxy: local},
		{name: "no module cache", env: []string{"GOPROXY=off"}, proxy: "off", noModCache: true},
		{name: "from go env", goenv: map[string]string{"GOPROXY": "https://corp.example", "GOFLAGS": "-mod=mod -trimpath"}, proxy: local + ",https://corp.example", flags: "-trimpath"},
		{name: "env overrides go env", env: []string{"GOFLAGS="}, goenv: map[string]string{"GOFLAGS": "-mod=vendor -trimpath"}, proxy: local},
	} {
		t.Run(c.name, func(t *testing.T) {
			goenv := func(k string) string {
				if k == "GOMODCACHE" && !c.noModCache {
					return cache
				}
				return c.goenv[k]
			}
			env := sqlcEnv(append([]string{"HOME=/home/dev"}, c.env...), goenv)
			if !slices.Contains(env, "HOME=/home/dev") {
				t.Errorf("HOME lost: %q", env)
			}
			var proxies, flags []string
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, "GOPROXY="); ok {
					proxies = append(proxies, v)
				}
				if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
					flags = append(flags, v)
				}
			}
			if !slices.Equal(proxies, []string{c.proxy}) {
				t.Errorf("GOPROXY = %q, want [%q]", proxies, c.proxy)
			}
			if !slices.Equal(flags, []string{c.flags}) {
				t.Errorf("GOFLAGS = %q, want [%q]", flags, c.flags)
			}
		})
	}
}

func TestDefaultSQLCIsPinned(t *testing.T) {
	got := strings.Join(DefaultSQLC(), " ")
	if want := "go run github.com/sqlc-dev/sqlc/cmd/sqlc@" + SQLCVersion; got != want {
		t.Fatalf("DefaultSQLC() = %q, want %q", got, want)
	}
	if !strings.HasPrefix(SQLCVersion, "v") || strings.Count(SQLCVersion, ".") != 2 {
		t.Fatalf("SQLCVersion %q is not an exact release (vX.Y.Z)", SQLCVersion)
	}
}
