package auth

import (
	"strings"
	"testing"
)

var (
	fast       = HashParams{LogN: 4, R: 8, P: 1}
	fastArgon2 = HashParams{Algorithm: AlgArgon2id, Memory: 64, Time: 1, Threads: 1}
)

func TestHashAndVerify(t *testing.T) {
	for _, c := range []struct {
		params HashParams
		prefix string
	}{
		{fast, "$scrypt$ln=4,r=8,p=1$"},
		{fastArgon2, "$argon2id$v=19$m=64,t=1,p=1$"},
		{HashParams{Algorithm: AlgArgon2id, Memory: 64, Time: 2, Threads: 2}, "$argon2id$v=19$m=64,t=2,p=2$"},
	} {
		h, err := HashPassword("s3cret!", c.params)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, c.prefix) || strings.Contains(h, "s3cret") {
			t.Fatalf("hash %q, want prefix %q", h, c.prefix)
		}
		if ok, err := VerifyPassword("s3cret!", h); !ok || err != nil {
			t.Fatalf("%s right password: %v %v", h, ok, err)
		}
		if ok, err := VerifyPassword("s3cret", h); ok || err != nil {
			t.Fatalf("%s wrong password: %v %v", h, ok, err)
		}
		h2, _ := HashPassword("s3cret!", c.params)
		if h2 == h {
			t.Fatal("same hash twice: salt not random")
		}
	}
}

// The default is Argon2id at OWASP's 7 MiB / 5 passes set; zero params mean
// the default; params with only scrypt's fields set are scrypt, as before.
func TestDefaultParams(t *testing.T) {
	for _, c := range []struct {
		params HashParams
		prefix string
	}{
		{HashParams{}, "$argon2id$v=19$m=7168,t=5,p=1$"},
		{DefaultHashParams, "$argon2id$v=19$m=7168,t=5,p=1$"},
		{MedusaScryptParams, "$scrypt$ln=15,r=8,p=1$"},
		{HashParams{LogN: 15, R: 8, P: 1}, "$scrypt$ln=15,r=8,p=1$"},
	} {
		h, err := HashPassword("pw", c.params)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, c.prefix) {
			t.Errorf("params %+v: %q, want prefix %q", c.params, h, c.prefix)
		}
	}
	if got := DefaultHashParams.memory(); got != 7<<20 {
		t.Errorf("default memory %d, want 7 MiB", got)
	}
	if got := MedusaScryptParams.memory(); got != 32<<20+1024 {
		t.Errorf("Medusa scrypt memory %d, want 32 MiB + 1 KiB", got)
	}
}

// Hashes written by other implementations and by earlier versions verify.
func TestVerifyKnownHashes(t *testing.T) {
	for _, c := range []struct{ password, hash string }{
		// libargon2's reference CLI (Debian's argon2 0~20171227):
		// echo -n <password> | argon2 somesalt16bytes! -id -v 13 -k 7168 -t 5 -p 1 -l 32 -e
		{"reference-implementation-password", "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHQxNmJ5dGVzIQ$3iudV5NUbh83Js7CKrZ7tegxVG0u0z1wYzf+kQkaV+0"},
		{"reference-implementation-password", "$argon2id$v=19$m=8192,t=2,p=1$c29tZXNhbHQxNmJ5dGVzIQ$NMqcrGei3Alfb/CLuP+xOtPza7HLk+n4vpEhXAjzFFc"},
		{"reference-implementation-password", "$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHQxNmJ5dGVzIQ$X0Fro4wnhgw0Xzr3Wd+48vt38a2eNx9gSn55F8x7rkY"},
		{"pw", "$argon2id$v=19$m=7168,t=5,p=1$c2FsdHNhbHRzYWx0c2FsdA$+1VNW6Zxeu4sj7HPkTgzWXdG2oqFU5sSVMY9Z1lleqU"},
		// HashPassword at Medusa's scrypt defaults (logN 15, r 8, p 1), the
		// default of this module before Argon2id (commit f80e6b6).
		{"medusa-default-params-password", "$scrypt$ln=15,r=8,p=1$ojkfpr0xB+vkyjqvyM9spQ$qHphOy5wA2sWBpIpjoZhXnPwzowwaSqY6ChlN+q0q0c"},
	} {
		if ok, err := VerifyPassword(c.password, c.hash); !ok || err != nil {
			t.Errorf("%s: ok=%v err=%v, want a match", c.hash, ok, err)
		}
		if ok, err := VerifyPassword(c.password+"x", c.hash); ok || err != nil {
			t.Errorf("%s, wrong password: ok=%v err=%v", c.hash, ok, err)
		}
	}
}

func TestVerifyRejectsMalformedAndAbusiveHashes(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$bcrypt$x$y$z", "$scrypt$ln=15,r=8$c2FsdA$a2V5",
		"$scrypt$ln=30,r=8,p=1$c2FsdA$a2V5", // 2^30: refused, not computed
		"$scrypt$ln=4,r=999,p=1$c2FsdA$a2V5",
		"$scrypt$ln=20,r=32,p=1$c2FsdA$a2V5", // 4 GiB: over the memory bound
		"$scrypt$ln=4,r=8,p=1$!!$a2V5",
		"$scrypt$ln=4,r=8,p=1,x=1$c2FsdA$a2V5",
		"$scrypt$ln=4,r=8,r=8$c2FsdA$a2V5",
		"$scrypt$ln=04,r=8,p=1$c2FsdA$a2V5",
		"$scrypt$ln=4,r=8,p=1$c2FsdA$a2V5$",
		"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$",                           // no key
		"$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",                   // version 1.0
		"$argon2id$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",                        // no version
		"$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",                    // argon2i
		"$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",              // 4 GiB
		"$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$a2V5a2V5",                   // t 0
		"$argon2id$v=19$m=64,t=99,p=1$c29tZXNhbHQ$a2V5a2V5",                  // t over the bound
		"$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHQ$a2V5a2V5",                   // p 0
		"$argon2id$v=19$m=64,t=1,p=255$c29tZXNhbHQ$a2V5a2V5",                 // p over the bound
		"$argon2id$v=19$m=4,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",                    // m < 8p
		"$argon2id$v=19$m=64,t=1$c29tZXNhbHQ$a2V5a2V5",                       // no p
		"$argon2id$v=19$m=64,t=1,p=1,k=1$c29tZXNhbHQ$a2V5a2V5",               // unknown field
		"$argon2id$v=19$ln=4,r=8,p=1$c29tZXNhbHQ$a2V5a2V5",                   // scrypt's fields
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5a2V5",                        // salt < 8 bytes
		"$scrypt$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",                          // argon2's fields
		"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5$x",                 // trailing part
		"$argon2id$v=19$m=18446744073709551616,t=1,p=1$c29tZXNhbHQ$a2V5a2V5", // overflow
	} {
		if ok, err := VerifyPassword("pw", h); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v, want an error", h, ok, err)
		}
	}
	for _, p := range []HashParams{
		{LogN: 25, R: 8, P: 1},
		{LogN: 20, R: 32, P: 1},
		{Algorithm: AlgArgon2id, Memory: 1 << 20, Time: 1, Threads: 1},
		{Algorithm: AlgArgon2id, Memory: 64, Time: 0, Threads: 1},
		{Algorithm: AlgArgon2id, Memory: 64, Time: 1, Threads: 1, LogN: 4},
		{Algorithm: AlgScrypt, LogN: 4, R: 8, P: 1, Memory: 64},
		{Algorithm: "bcrypt"},
		{Memory: 64}, // argon2id without time and threads
	} {
		if _, err := HashPassword("pw", p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// BenchmarkHashDefault is one hash at DefaultHashParams (Argon2id, 7 MiB),
// BenchmarkHashMedusaScrypt one at the scrypt parameters it replaced.
func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", DefaultHashParams); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashMedusaScrypt(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", MedusaScryptParams); err != nil {
			b.Fatal(err)
		}
	}
}
