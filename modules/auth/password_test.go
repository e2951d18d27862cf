package auth

import (
	"strings"
	"testing"
)

var fast = HashParams{LogN: 4, R: 8, P: 1}

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("s3cret!", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$scrypt$ln=4,r=8,p=1$") || strings.Contains(h, "s3cret") {
		t.Fatalf("hash %q", h)
	}
	if ok, err := VerifyPassword("s3cret!", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := VerifyPassword("s3cret", h); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	h2, _ := HashPassword("s3cret!", fast)
	if h2 == h {
		t.Fatal("same hash twice: salt not random")
	}
}

func TestDefaultParamsAreMedusas(t *testing.T) {
	h, err := HashPassword("pw", HashParams{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$scrypt$ln=15,r=8,p=1$") {
		t.Fatalf("default params: %q", h)
	}
}

func TestVerifyRejectsMalformedAndAbusiveHashes(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$bcrypt$x$y$z", "$scrypt$ln=15,r=8$c2FsdA$a2V5",
		"$scrypt$ln=30,r=8,p=1$c2FsdA$a2V5", // 2^30: refused, not computed
		"$scrypt$ln=4,r=999,p=1$c2FsdA$a2V5",
		"$scrypt$ln=4,r=8,p=1$!!$a2V5",
		"$scrypt$ln=4,r=8,p=1,x=1$c2FsdA$a2V5",
	} {
		if ok, err := VerifyPassword("pw", h); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v, want an error", h, ok, err)
		}
	}
	if _, err := HashPassword("pw", HashParams{LogN: 25, R: 8, P: 1}); err == nil {
		t.Error("logN 25 accepted")
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", DefaultHashParams); err != nil {
			b.Fatal(err)
		}
	}
}
