package auth

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

// medusaVector is one hash made by the scrypt-kdf npm package, as Medusa's
// emailpass provider stores it (testdata/scrypt-kdf/README.md).
type medusaVector struct {
	Password string `json:"password"`
	Params   struct {
		LogN uint8 `json:"logN"`
		R    int   `json:"r"`
		P    int   `json:"p"`
	} `json:"params"`
	Hash string `json:"hash"`
}

func medusaVectors(t *testing.T) map[string][]medusaVector {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "scrypt-kdf", "vectors-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	out := map[string][]medusaVector{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Package string         `json:"package"`
			Vectors []medusaVector `json:"vectors"`
		}
		if err := json.Unmarshal(b, &v); err != nil || len(v.Vectors) == 0 {
			t.Fatalf("%s: %v", f, err)
		}
		out[v.Package] = v.Vectors
	}
	return out
}

// Hashes made by the scrypt-kdf package (the versions Medusa has used)
// verify with their own parameters; a wrong password does not.
func TestMedusaScryptKDFVectors(t *testing.T) {
	for pkg, vs := range medusaVectors(t) {
		for _, v := range vs {
			h, err := parseHash(v.Hash)
			if err != nil {
				t.Fatalf("%s %q: %v", pkg, v.Password, err)
			}
			want := HashParams{Algorithm: AlgScrypt, LogN: v.Params.LogN, R: v.Params.R, P: v.Params.P}
			if h.params != want || !h.medusa() {
				t.Fatalf("%s: params %+v, want %+v", pkg, h.params, want)
			}
			if ok, err := VerifyPassword(v.Password, v.Hash); !ok || err != nil {
				t.Fatalf("%s %q: right password = %v, %v", pkg, v.Password, ok, err)
			}
			if ok, err := VerifyPassword(v.Password+"x", v.Hash); ok || err != nil {
				t.Fatalf("%s %q: wrong password = %v, %v", pkg, v.Password, ok, err)
			}
		}
	}
}

// A damaged or hostile Medusa hash is malformed, never computed: wrong
// length, magic, version or checksum, or parameters beyond the bounds
// (checked before any scrypt work).
func TestMedusaScryptKDFMalformed(t *testing.T) {
	var good string
	for _, vs := range medusaVectors(t) {
		good = vs[len(vs)-1].Hash
	}
	raw, err := base64.StdEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) string {
		b := f(append([]byte(nil), raw...))
		return base64.StdEncoding.EncodeToString(b)
	}
	// rechecksum makes the header's checksum right again, so that only the
	// edited field is wrong.
	rechecksum := func(b []byte) []byte {
		copy(b[48:64], scryptKDFChecksum(b))
		return b
	}
	for name, h := range map[string]string{
		"not base64":      "not base64!",
		"short":           edit(func(b []byte) []byte { return b[:95] }),
		"long":            edit(func(b []byte) []byte { return append(b, 0) }),
		"magic":           edit(func(b []byte) []byte { b[0] = 'S'; return rechecksum(b) }),
		"version":         edit(func(b []byte) []byte { b[6] = 1; return rechecksum(b) }),
		"checksum":        edit(func(b []byte) []byte { b[50] ^= 1; return b }),
		"salt, checksum":  edit(func(b []byte) []byte { b[20] ^= 1; return b }),
		"logN too big":    edit(func(b []byte) []byte { b[7] = 21; return rechecksum(b) }),
		"logN zero":       edit(func(b []byte) []byte { b[7] = 0; return rechecksum(b) }),
		"r too big":       edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:12], 33); return rechecksum(b) }),
		"p zero":          edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[12:16], 0); return rechecksum(b) }),
		"p huge":          edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[12:16], 1<<31); return rechecksum(b) }),
		"url-safe base64": strings.NewReplacer("+", "-", "/", "_").Replace(good) + "-",
	} {
		if _, err := VerifyPassword("secret1", h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A damaged HMAC is a wrong password, as Medusa's verify answers.
	if ok, err := VerifyPassword("secret1", edit(func(b []byte) []byte { b[90] ^= 1; return b })); ok || err != nil {
		t.Errorf("damaged hmac: %v, %v", ok, err)
	}
}

// A user moved over from a Medusa database signs in with the password
// Medusa hashed; that first login re-hashes it with Argon2id at the
// service's parameters, and the next login verifies the new hash. A wrong
// password leaves the Medusa hash as it is.
func TestMedusaHashVerifiesAndIsRehashed(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := NewService(pool, WithHashParams(fastArgon2))
	if err != nil {
		t.Fatal(err)
	}
	v := medusaVectors(t)["scrypt-kdf@2.0.1"][0] // Medusa's default logN 15, r 8, p 1
	if v.Params.LogN != 15 {
		t.Fatalf("vector %+v: want Medusa's default parameters", v)
	}
	// Rows as a Medusa database holds them.
	if _, err := pool.Exec(ctx, `INSERT INTO auth_identity (id, app_metadata) VALUES ('authid_medusa', '{"user_id":"user_medusa"}')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO provider_identity (id, entity_id, provider, auth_identity_id, provider_metadata)
		VALUES ('provid_medusa', 'Moved@Example.com', 'emailpass', 'authid_medusa', jsonb_build_object('password', $1::text))`, v.Hash); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		var h string
		if err := pool.QueryRow(ctx, `SELECT provider_metadata->>'password' FROM provider_identity WHERE id = 'provid_medusa'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	_, err = s.Authenticate(ctx, "moved@example.com", v.Password+"x")
	if e, ok := merrors.As(err); !ok || e.Message != MsgInvalidCredentials {
		t.Fatalf("wrong password: %v", err)
	}
	if h := stored(); h != v.Hash {
		t.Fatalf("a failed login changed the hash: %s", h)
	}
	ai, err := s.Authenticate(ctx, "moved@example.com", v.Password)
	if err != nil || ai.ID != "authid_medusa" {
		t.Fatalf("Medusa hash: %+v, %v", ai, err)
	}
	if h := stored(); !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("not re-hashed with Argon2id: %s", h)
	}
	if _, err := s.Authenticate(ctx, "MOVED@example.com", v.Password); err != nil {
		t.Fatalf("after the re-hash: %v", err)
	}
}
