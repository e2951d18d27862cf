package user

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

func mustTokens(t *testing.T, o Options) *tokens {
	t.Helper()
	tk, err := newTokens(o)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTokenRoundTripHS256(t *testing.T) {
	tk := mustTokens(t, Options{JWTSecret: "test"})
	tok, exp, err := tk.sign("invite_1", "a@b.c")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tk.parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "invite_1" || c.Email != "a@b.c" || c.RegisteredClaims.ID == "" {
		t.Fatalf("claims = %+v", c)
	}
	if !c.ExpiresAt.Time.Equal(exp) {
		t.Fatalf("exp %v != expires_at %v", c.ExpiresAt.Time, exp)
	}
	// Medusa 2.12's invite.spec: exp <= now + 86400 s.
	if max := time.Now().Add(DefaultValidDuration).Unix(); c.ExpiresAt.Unix() > max {
		t.Fatalf("exp %d beyond now+86400 (%d)", c.ExpiresAt.Unix(), max)
	}
	tok2, _, _ := tk.sign("invite_1", "a@b.c")
	if tok2 == tok {
		t.Fatal("two tokens for one invite are equal; jti must differ")
	}
}

func TestTokenRefusals(t *testing.T) {
	tk := mustTokens(t, Options{JWTSecret: "test"})
	good, _, _ := tk.sign("invite_1", "a@b.c")
	parts := strings.Split(good, ".")

	other := mustTokens(t, Options{JWTSecret: "other"})
	wrongSecret, _, _ := other.sign("invite_1", "a@b.c")

	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	_ = json.Unmarshal(payload, &m)
	m["id"] = "invite_2"
	tampered, _ := json.Marshal(m)
	tamperedTok := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2]

	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"id": "invite_1", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("test"))

	past := mustTokens(t, Options{JWTSecret: "test", ValidDuration: time.Second})
	past.now = func() time.Time { return time.Now().Add(-time.Hour) }
	expired, _, _ := past.sign("invite_1", "a@b.c")

	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"id": "invite_1"}).SignedString([]byte("test"))

	cases := []struct{ name, token, msg string }{
		{"wrong secret", wrongSecret, "invalid signature"},
		{"tampered payload", tamperedTok, "invalid signature"},
		{"alg none", none, "invalid algorithm"},
		{"other HMAC alg", hs512, "invalid algorithm"},
		{"expired", expired, "jwt expired"},
		{"no exp", noExp, "jwt must have an expiry"},
		{"garbage", "not-a-token", "jwt malformed"},
		{"empty", "", "jwt malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tk.parse(c.token)
			if err == nil {
				t.Fatal("accepted")
			}
			if !merrors.Is(err, merrors.Unauthorized) || err.Error() != c.msg {
				t.Fatalf("got %v %q, want unauthorized %q", merrors.TypeOf(err), err.Error(), c.msg)
			}
		})
	}
}

func pemOf(t *testing.T, typ string, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func TestTokenAsymmetric(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv := pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk))
	rsaPubDER, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	rsaPub := pemOf(t, "PUBLIC KEY", rsaPubDER)

	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ek)
	ecPriv := pemOf(t, "EC PRIVATE KEY", ecDER)

	for _, o := range []Options{
		{JWTSecret: rsaPriv, JWTPublicKey: rsaPub, Algorithm: "RS256"},
		{JWTSecret: rsaPriv, Algorithm: "RS256"},
		{JWTSecret: ecPriv, Algorithm: "ES256"},
	} {
		tk := mustTokens(t, o)
		tok, _, err := tk.sign("invite_1", "a@b.c")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tk.parse(tok); err != nil {
			t.Fatalf("%s: %v", o.Algorithm, err)
		}
	}

	// Key confusion: an HS256 token "signed" with the RSA public key must be
	// refused by an RS256 verifier.
	tk := mustTokens(t, Options{JWTSecret: rsaPriv, JWTPublicKey: rsaPub, Algorithm: "RS256"})
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"id": "invite_1", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(rsaPub))
	if _, err := tk.parse(forged); err == nil || err.Error() != "invalid algorithm" {
		t.Fatalf("key confusion: %v", err)
	}
	// A token of another RSA key fails its signature.
	rk2, _ := rsa.GenerateKey(rand.Reader, 2048)
	tk2 := mustTokens(t, Options{JWTSecret: pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk2)), Algorithm: "RS256"})
	tok2, _, _ := tk2.sign("invite_1", "a@b.c")
	if _, err := tk.parse(tok2); err == nil || err.Error() != "invalid signature" {
		t.Fatalf("other key: %v", err)
	}
}

func TestOptions(t *testing.T) {
	_, err := newTokens(Options{})
	if !merrors.Is(err, merrors.InvalidData) || err.Error() != MissingSecretMessage {
		t.Fatalf("missing secret: %v", err)
	}
	bad := []struct {
		m    map[string]any
		want string
	}{
		{map[string]any{"jwt_secret": 12}, "Expected type: 'string' for option 'jwt_secret', got: 'number'"},
		{map[string]any{"jwt_secret": "x", "valid_duration": "soon"}, "Option 'valid_duration' must be a number of seconds"},
		{map[string]any{"jwt_secret": "x", "valid_duration": -5.0}, "Option 'valid_duration' must be a positive number"},
		{map[string]any{"jwt_secret": "x", "valid_duraton": 5.0}, "Unrecognized options of the user module: 'valid_duraton'"},
		{map[string]any{"jwt_secret": "x", "jwt_options": map[string]any{"algorithm": 1.0}}, "Expected type: 'string' for option 'jwt_options.algorithm'"},
	}
	for _, b := range bad {
		_, err := OptionsFromMap(b.m)
		if err == nil || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("%v: got %v, want prefix %q", b.m, err, b.want)
		}
	}
	o, err := OptionsFromMap(map[string]any{"jwt_secret": "x", "valid_duration": 3600.0, "jwt_options": map[string]any{"algorithm": "HS512", "issuer": "me"}})
	if err != nil || o.ValidDuration != time.Hour || o.Algorithm != "HS512" || o.Issuer != "me" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = OptionsFromMap(map[string]any{"jwt_secret": "x", "jwt_options": map[string]any{"expiresIn": "7d"}})
	if err != nil || o.ValidDuration != 7*24*time.Hour {
		t.Fatalf("expiresIn: %+v %v", o, err)
	}
	if _, err := newTokens(Options{JWTSecret: "x", Algorithm: "none"}); err == nil {
		t.Fatal("algorithm none accepted in options")
	}
	if _, err := newTokens(Options{JWTSecret: "not a pem", Algorithm: "RS256"}); err == nil {
		t.Fatal("RS256 with a non-PEM secret accepted")
	}
}

func TestSameToken(t *testing.T) {
	if !sameToken("abc", "abc") || sameToken("abc", "abd") || sameToken("abc", "ab") || sameToken("", "x") {
		t.Fatal("sameToken wrong")
	}
}
