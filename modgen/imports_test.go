package modgen

import (
	"strings"
	"testing"
)

func TestFormatGoGroupsImports(t *testing.T) {
	src := `package p

import (
	"github.com/jackc/pgx/v5"
	"context"
	// errs is ours.
	merrors "github.com/medusa-go/medusa/framework/errors"
	"log/slog" // logging
	"errors"
)

var _ = pgx.ErrNoRows
`
	want := `package p

import (
	"context"
	"errors"
	"log/slog" // logging

	"github.com/jackc/pgx/v5"
	// errs is ours.
	merrors "github.com/medusa-go/medusa/framework/errors"
)

var _ = pgx.ErrNoRows
`
	got, err := formatGo([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	again, err := formatGo(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != want {
		t.Fatalf("not stable:\n%s", again)
	}
}

func TestFormatGoOnlyStdlibOrSingleImport(t *testing.T) {
	for _, src := range []string{
		"package p\n\nimport (\n\t\"fmt\"\n\t\"context\"\n)\n",
		"package p\n\nimport \"fmt\"\n",
		"package p\n",
	} {
		got, err := formatGo([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(got), "\n\n\t") {
			t.Errorf("blank line inside a one-group block:\n%s", got)
		}
	}
}

func TestFormatGoRejectsBadSource(t *testing.T) {
	_, err := formatGo([]byte("package p\n\nimport (\n\t\"fmt\"\n"))
	if err == nil || !strings.Contains(err.Error(), "modgen: parse generated Go") {
		t.Fatalf("err = %v, want a parse error", err)
	}
}
