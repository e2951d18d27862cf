#!/usr/bin/env bash
# What an application that requires medusa-go inherits. Makes two throwaway
# modules in a temporary directory, each requiring medusa-go through a
# replace directive to a checkout (default: this one), runs go mod tidy and
# prints, per module: go.mod and go.sum lines, modules in its graph
# (go list -m all), modules of sqlc's and staticcheck's graph among them,
# and Docker client packages linked into its test binary.
#
#   lean: a test that imports framework/pgtest and modules/user
#   full: the same, plus a main that imports app
#
# Usage: scripts/appdeps.sh [medusa-go checkout]
set -euo pipefail
src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkmod() { # dir
  mkdir -p "$1"
  printf 'module example.com/app\n\ngo 1.26.0\n\nrequire github.com/medusa-go/medusa v0.0.0-00010101000000-000000000000\n\nreplace github.com/medusa-go/medusa => %s\n' "$src" >"$1/go.mod"
  cat >"$1/user_test.go" <<'GO'
package main

import (
	"testing"

	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestCreateUser(t *testing.T) {
	s, err := user.New(pgtest.NewPool(t, migrations.Source), user.Options{JWTSecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUsers(t.Context(), user.CreateUserInput{Email: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
}
GO
}

mkmod "$work/lean"
printf 'package main\n\nfunc main() {}\n' >"$work/lean/main.go"
mkmod "$work/full"
printf 'package main\n\nimport "github.com/medusa-go/medusa/app"\n\nvar _ = app.New\n\nfunc main() {}\n' >"$work/full/main.go"

echo "medusa-go at $src ($(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?'))"
printf '%-5s %7s %7s %8s %11s %14s\n' app go.mod go.sum modules tool-modules docker-linked
for app in lean full; do
  cd "$work/$app"
  go mod tidy 2>/dev/null
  go vet ./... >/dev/null
  printf '%-5s %7s %7s %8s %11s %14s\n' "$app" "$(wc -l <go.mod)" "$(wc -l <go.sum)" \
    "$(go list -m all | wc -l)" \
    "$(go list -m all | grep -cE 'sqlc|pg_query|wazero|grpc|cel.dev|honnef.co' || true)" \
    "$(go list -deps -test ./... | grep -cE 'github.com/(testcontainers|docker|moby)/' || true)"
done
