package migrate_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medusa-go/medusa/framework/migrate"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestLoadOrdersAndParses(t *testing.T) {
	src := migrate.Source{Module: "user", FS: fstest.MapFS{
		"0010_add_avatar.sql":   file("-- migrate:up\nALTER TABLE u ADD avatar text;\n-- migrate:down\nALTER TABLE u DROP avatar;\n"),
		"0001_create_user.sql":  file("-- created by medusa-go\n\n-- migrate:up\nCREATE TABLE u (id text);\n\n-- migrate:down\nDROP TABLE u;\n"),
		"0002_no_down.sql":      file("-- migrate:up\nCREATE INDEX ON u (id);\n"),
		"9_short_version.sql":   file("-- migrate:up\nSELECT 9;\n-- migrate:down\nSELECT -9;"),
		"README.md":             file("not a migration"),
		"migrations.go":         file("package migrations"),
		"0003_ignored.sql.bak":  file("garbage"),
		"sub/0004_in_a_dir.sql": file("-- migrate:up\nSELECT 4;"),
	}}
	ms, err := migrate.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
		if m.Module != "user" {
			t.Errorf("%s: module %q", m.Name, m.Module)
		}
	}
	if got, want := strings.Join(names, " "), "0001_create_user 0002_no_down 9_short_version 0010_add_avatar"; got != want {
		t.Fatalf("order %q, want %q (numeric order; non-.sql files and directories skipped)", got, want)
	}
	first := ms[0]
	if first.Version != "0001" || first.Up != "CREATE TABLE u (id text);" || first.Down != "DROP TABLE u;" || !first.HasDown {
		t.Fatalf("parsed %+v", first)
	}
	if ms[1].HasDown || ms[1].Down != "" || ms[1].Up != "CREATE INDEX ON u (id);" {
		t.Fatalf("migration without down parsed as %+v", ms[1])
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  []string
	}{
		{"no version", fstest.MapFS{"create_user.sql": file("-- migrate:up\nSELECT 1;")},
			[]string{"user/create_user.sql", "NNNN_snake_name.sql"}},
		{"upper case name", fstest.MapFS{"0001_CreateUser.sql": file("-- migrate:up\nSELECT 1;")},
			[]string{"user/0001_CreateUser.sql", "NNNN_snake_name.sql"}},
		{"dashes", fstest.MapFS{"0001-create-user.sql": file("-- migrate:up\nSELECT 1;")},
			[]string{"0001-create-user.sql", "NNNN_snake_name.sql"}},
		{"up/down file pair style", fstest.MapFS{"0001_create_user.up.sql": file("CREATE TABLE u (id text);")},
			[]string{"0001_create_user.up.sql", "NNNN_snake_name.sql"}},
		{"duplicate version", fstest.MapFS{
			"0002_a.sql": file("-- migrate:up\nSELECT 1;"),
			"0002_b.sql": file("-- migrate:up\nSELECT 2;"),
		}, []string{"0002_a.sql and 0002_b.sql share version 0002"}},
		{"duplicate version with other zero padding", fstest.MapFS{
			"0007_a.sql": file("-- migrate:up\nSELECT 1;"),
			"7_b.sql":    file("-- migrate:up\nSELECT 2;"),
		}, []string{"share version"}},
		{"missing up marker", fstest.MapFS{"0001_create_user.sql": file("CREATE TABLE u (id text);\n-- migrate:down\nDROP TABLE u;")},
			[]string{"user/0001_create_user.sql", `missing "-- migrate:up" line`}},
		{"down before up", fstest.MapFS{"0001_create_user.sql": file("-- migrate:down\nDROP TABLE u;\n-- migrate:up\nCREATE TABLE u (id text);")},
			[]string{"user/0001_create_user.sql", `"-- migrate:down" comes before "-- migrate:up"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := migrate.Load(migrate.Source{Module: "user", FS: tc.files})
			if err == nil {
				t.Fatalf("Load accepted %v: %+v", tc.files, ms)
			}
			if ms != nil {
				t.Errorf("Load returned migrations with its error: %+v", ms)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadEmptySource(t *testing.T) {
	ms, err := migrate.Load(migrate.Source{Module: "empty", FS: fstest.MapFS{}})
	if err != nil || len(ms) != 0 {
		t.Fatalf("Load(empty) = %v, %v", ms, err)
	}
}

func TestSplit(t *testing.T) {
	up, down, hasDown, err := migrate.Split("-- migrate:up\n  CREATE TABLE a ();  \n-- migrate:down\n DROP TABLE a; \n")
	if err != nil || up != "CREATE TABLE a ();" || down != "DROP TABLE a;" || !hasDown {
		t.Fatalf("Split = %q, %q, %v, %v", up, down, hasDown, err)
	}
	up, down, hasDown, err = migrate.Split("-- migrate:up\nCREATE TABLE a ();")
	if err != nil || up != "CREATE TABLE a ();" || down != "" || hasDown {
		t.Fatalf("Split without down = %q, %q, %v, %v", up, down, hasDown, err)
	}
	if _, _, _, err := migrate.Split(""); err == nil {
		t.Fatal("Split of an empty file succeeded")
	}
}
