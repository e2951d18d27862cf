package modgen

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// SQLCVersion is the sqlc release the generator runs. It is the one place
// that pins it: changing it changes the Go code of every module's db/
// package, so regenerate and commit after a bump.
const SQLCVersion = "v1.31.1"

// SQLCPackage is sqlc's main package.
const SQLCPackage = "github.com/sqlc-dev/sqlc/cmd/sqlc"

// DefaultSQLC returns the command Generate runs sqlc with when
// Options.SQLC is empty: "go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1".
// go run in this form builds sqlc with sqlc's own go.mod, so sqlc and its
// dependencies are never part of the go.mod of the module being generated
// (medusa-go's or an application's), and the go command caches the built
// binary.
func DefaultSQLC() []string {
	return []string{"go", "run", SQLCPackage + "@" + SQLCVersion}
}

// sqlcCommand returns the exec.Cmd running args (DefaultSQLC when empty)
// followed by extra, in dir. For the default command the environment is
// adjusted so that a module cache that already holds sqlc serves it with no
// network:
//
//   - GOPROXY gets the module cache's download directory in front
//     ("file://$GOMODCACHE/cache/download,<GOPROXY>"). go run pkg@version
//     looks up the module's newest version to warn about deprecation, and
//     with GOPROXY=off that lookup fails even when everything is cached;
//     the local proxy answers it. A module missing from the cache is still
//     fetched from the configured proxies.
//   - -mod and -modfile are dropped from GOFLAGS: they concern the current
//     module, which go run pkg@version ignores, and -mod=vendor makes it
//     fail outright.
func sqlcCommand(ctx context.Context, dir string, args []string, extra ...string) *exec.Cmd {
	adjust := len(args) == 0
	if adjust {
		args = DefaultSQLC()
	}
	args = append(append([]string{}, args...), extra...)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	if adjust {
		cmd.Env = sqlcEnv(os.Environ(), goEnv)
	}
	return cmd
}

// sqlcEnv returns env with GOPROXY and GOFLAGS set for go run pkg@version
// (see sqlcCommand). goenv gives the go command's GOMODCACHE, and GOPROXY
// and GOFLAGS when env does not set them; with no module cache ("") GOPROXY
// is left alone.
func sqlcEnv(env []string, goenv func(string) string) []string {
	get := func(k string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(env[i], k+"="); ok {
				return v, true
			}
		}
		return "", false
	}
	modCache := goenv("GOMODCACHE")
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOFLAGS=") || modCache != "" && strings.HasPrefix(kv, "GOPROXY=") {
			continue
		}
		out = append(out, kv)
	}
	if modCache != "" {
		local := fileURL(filepath.Join(modCache, "cache", "download"))
		proxy, ok := get("GOPROXY")
		if !ok {
			proxy = goenv("GOPROXY")
		}
		switch proxy {
		case "", "off":
			proxy = local
		default:
			proxy = local + "," + proxy
		}
		out = append(out, "GOPROXY="+proxy)
	}
	flags, ok := get("GOFLAGS")
	if !ok {
		flags = goenv("GOFLAGS")
	}
	var keep []string
	for _, f := range strings.Fields(flags) {
		name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if name != "mod" && name != "modfile" {
			keep = append(keep, f)
		}
	}
	// Always set, so that a -mod from the go env file does not apply.
	out = append(out, "GOFLAGS="+strings.Join(keep, " "))
	return out
}

// fileURL is the file:// URL of an absolute path.
func fileURL(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/... → /C:/...
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

var (
	goEnvOnce sync.Once
	goEnvVals map[string]string
)

// goEnv returns the go command's value of GOMODCACHE, GOPROXY or GOFLAGS
// (environment, then the go env file, then defaults), "" when go env fails.
// It runs "go env" once per process.
func goEnv(k string) string {
	goEnvOnce.Do(func() {
		goEnvVals = map[string]string{}
		keys := []string{"GOMODCACHE", "GOPROXY", "GOFLAGS"}
		b, err := exec.Command("go", append([]string{"env"}, keys...)...).Output()
		if err != nil {
			return
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) != len(keys) {
			return
		}
		for i, k := range keys {
			goEnvVals[k] = lines[i]
		}
	})
	return goEnvVals[k]
}
