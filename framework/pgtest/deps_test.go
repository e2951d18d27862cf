package pgtest_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// dockerModules are the module path prefixes of testcontainers-go and
// Docker's client.
var dockerModules = []string{"github.com/testcontainers/", "github.com/docker/", "github.com/moby/"}

// TestOnlyPgcontainerLinksDocker keeps testcontainers-go and Docker's client
// out of every package of this module but pgcontainer, and out of the test
// binaries of every package an application can import.
//
// An application's go.mod and go.sum must not need Docker's modules unless
// it asks for them. Linking is the first half; the second is that go mod
// tidy keeps checksums for the test imports of every package the
// application uses, so a pgcontainer import in, say, framework/migrate's
// tests would put some fifty modules' checksums into every application's
// go.sum. Only test packages no application imports (e2e's
// main) may opt in.
func TestOnlyPgcontainerLinksDocker(t *testing.T) {
	const (
		mod         = "github.com/medusa-go/medusa"
		pgtest      = mod + "/framework/pgtest"
		pgcontainer = pgtest + "/pgcontainer"
	)
	mayTest := []string{pgcontainer, mod + "/e2e"}
	out, err := exec.CommandContext(t.Context(), "go", "list", "-test", "-f", "{{.ImportPath}}\t{{join .Deps \" \"}}", mod+"/...").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, "\t")
		if strings.Contains(pkg, "[") {
			continue // a package recompiled for a test; its test binary is checked
		}
		base, isTest := strings.CutSuffix(pkg, ".test")
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
		case isTest:
			seen[pkg] = true
			if len(docker) > 0 && !slices.Contains(mayTest, base) {
				t.Errorf("the tests of %s link %d Docker packages (%s …): every application importing %s would then carry Docker's modules in its go.sum (go mod tidy keeps checksums for the test imports of an application's dependencies); only the tests of %v may", base, len(docker), docker[0], base, mayTest)
			}
		default:
			seen[pkg] = true
			if pkg == pgcontainer && len(docker) == 0 {
				t.Errorf("%s links none of %v: has this check's list of module paths gone stale?", pkg, dockerModules)
			}
			if pkg != pgcontainer && len(docker) > 0 {
				t.Errorf("%s links %d Docker packages (%s …); only %s may", pkg, len(docker), docker[0], pgcontainer)
			}
		}
	}
	for _, p := range []string{pgtest, pgcontainer, pgtest + ".test", pgcontainer + ".test", mod + "/e2e.test", mod + "/modules/user", mod + "/modules/user.test", mod + "/app"} {
		if !seen[p] {
			t.Errorf("go list did not list %s", p)
		}
	}
}
