package pgtest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// dockerModules are the module path prefixes of testcontainers-go and
// Docker's client.
var dockerModules = []string{"github.com/testcontainers/", "github.com/docker/", "github.com/moby/"}

// TestOnlyPgcontainerLinksDocker keeps testcontainers-go and Docker's client
// out of every package of this module but pgcontainer (tests aside): an
// application whose tests use pgtest, or that imports the modules, must not
// link them, nor need them in its go.mod.
func TestOnlyPgcontainerLinksDocker(t *testing.T) {
	const (
		mod         = "github.com/medusa-go/medusa"
		pgtest      = mod + "/framework/pgtest"
		pgcontainer = pgtest + "/pgcontainer"
	)
	out, err := exec.CommandContext(t.Context(), "go", "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", mod+"/...").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		seen[pkg] = true
		var docker []string
		for _, d := range strings.Fields(deps) {
			for _, m := range dockerModules {
				if strings.HasPrefix(d, m) {
					docker = append(docker, d)
					break
				}
			}
		}
		switch {
		case pkg == pgcontainer && len(docker) == 0:
			t.Errorf("%s links none of %v: has the check's list of module paths gone stale?", pkg, dockerModules)
		case pkg != pgcontainer && len(docker) > 0:
			t.Errorf("%s links %d Docker packages (%s …); only %s may, and only tests that ask for it may import that", pkg, len(docker), docker[0], pgcontainer)
		}
	}
	for _, p := range []string{pgtest, pgcontainer, mod + "/modules/user", mod + "/app"} {
		if !seen[p] {
			t.Errorf("go list did not list %s", p)
		}
	}
}
