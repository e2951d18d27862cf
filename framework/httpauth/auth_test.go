package httpauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
)

func newAuth(t *testing.T, now time.Time) *httpauth.Auth {
	t.Helper()
	a, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: testSecret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256 signs header.payload with secret by hand, to build tokens the
// library would refuse to build.
func hs256(header, payload, secret string) string {
	signing := b64(header) + "." + b64(payload)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestIssueTokenClaims(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a := newAuth(t, now)
	tok, err := a.IssueToken(authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1", AppMetadata: map[string]any{"user_id": "user_1"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", tok)
	}
	var header, claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(hb, &header); err != nil || header["alg"] != "HS256" {
		t.Errorf("header %s", hb)
	}
	if err := json.Unmarshal(pb, &claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"actor_id": "user_1", "actor_type": "user", "auth_identity_id": "authid_1", "app_metadata": map[string]any{"user_id": "user_1"}, "iat": 1.7e9, "exp": 1.7e9 + 86400}
	if len(claims) != len(want) {
		t.Errorf("claims %s", pb)
	}
	for k, v := range want {
		got, _ := json.Marshal(claims[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("claim %s = %s, want %s", k, got, exp)
		}
	}
	ac, err := a.VerifyToken(tok)
	if err != nil || ac.ActorID != "user_1" || ac.AppMetadata["user_id"] != "user_1" {
		t.Errorf("verify: %v %+v", err, ac)
	}
	// A registration token: empty actor id, empty app_metadata.
	tok, _ = a.IssueToken(authtoken.AuthContext{ActorType: "user", AuthIdentityID: "authid_2"})
	ac, err = a.VerifyToken(tok)
	if err != nil || ac.ActorID != "" || ac.AppMetadata == nil {
		t.Errorf("registration token: %v %+v", err, ac)
	}
}

func TestVerifyTokenRefusals(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a := newAuth(t, now)
	good := `{"actor_id":"user_1","actor_type":"user","auth_identity_id":"authid_1","app_metadata":{},"iat":1700000000,"exp":1700086400}`
	hdr := `{"alg":"HS256","typ":"JWT"}`
	if _, err := a.VerifyToken(hs256(hdr, good, testSecret)); err != nil {
		t.Fatalf("hand-made valid token refused: %v", err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	es256, _ := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"actor_id": "u", "actor_type": "user", "auth_identity_id": "a", "exp": 1700086400}).SignedString(ecKey)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"actor_id": "u", "actor_type": "user", "auth_identity_id": "a", "exp": 1700086400}).SignedString([]byte(testSecret))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"actor_id": "u", "actor_type": "user", "auth_identity_id": "a", "exp": 1700086400}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	valid := hs256(hdr, good, testSecret)
	tampered := strings.Split(valid, ".")
	tampered[1] = b64(strings.Replace(good, "user_1", "user_2", 1))

	for name, tok := range map[string]string{
		"forged signature":         hs256(hdr, good, "another-secret"),
		"tampered payload":         strings.Join(tampered, "."),
		"alg none":                 none,
		"alg none by hand":         b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(good) + ".",
		"alg NONE, hmac signature": hs256(`{"alg":"NONE","typ":"JWT"}`, good, testSecret),
		"HS512":                    hs512,
		"ES256":                    es256,
		"RS256 header, hmac sig":   hs256(`{"alg":"RS256","typ":"JWT"}`, good, testSecret),
		"expired":                  hs256(hdr, strings.Replace(good, "1700086400", "1699999999", 1), testSecret),
		"issued in the future":     hs256(hdr, strings.Replace(good, `"iat":1700000000`, `"iat":1800000000`, 1), testSecret),
		"no exp":                   hs256(hdr, `{"actor_id":"u","actor_type":"user","auth_identity_id":"a"}`, testSecret),
		"no actor_type":            hs256(hdr, `{"actor_id":"u","auth_identity_id":"a","exp":1700086400}`, testSecret),
		"no auth_identity_id":      hs256(hdr, `{"actor_id":"u","actor_type":"user","exp":1700086400}`, testSecret),
		"actor_type wrong type":    hs256(hdr, `{"actor_id":"u","actor_type":5,"auth_identity_id":"a","exp":1700086400}`, testSecret),
		"exp wrong type":           hs256(hdr, `{"actor_id":"u","actor_type":"user","auth_identity_id":"a","exp":"soon"}`, testSecret),
		"garbage":                  "a.b.c",
		"empty":                    "",
	} {
		if _, err := a.VerifyToken(tok); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	_, err := a.VerifyToken(hs256(hdr, strings.Replace(good, "1700086400", "1699999999", 1), testSecret))
	if !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("expired: %v", err)
	}
}

func TestTokenExpiresWithClock(t *testing.T) {
	issued := time.Unix(1_700_000_000, 0)
	tok, _ := newAuth(t, issued).IssueToken(authtoken.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a"})
	if _, err := newAuth(t, issued.Add(23*time.Hour)).VerifyToken(tok); err != nil {
		t.Errorf("23h later: %v", err)
	}
	if _, err := newAuth(t, issued.Add(25*time.Hour)).VerifyToken(tok); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("25h later: %v", err)
	}
}

func TestNewAuthRefusesEmptySecret(t *testing.T) {
	if _, err := httpauth.NewAuth(httpauth.AuthConfig{}); err == nil {
		t.Error("empty secret accepted")
	}
}

// apiKeys is a minimal implementation of the API-key hook: a fixed key
// table; the key "sk_broken" simulates a failing key store.
type apiKeys map[string]string

func (k apiKeys) AuthenticateAPIKey(_ context.Context, token string) (string, error) {
	if token == "sk_broken" {
		return "", errors.New("key store unavailable")
	}
	return k[token], nil
}

func TestAuthenticateOptionsAndAPIKey(t *testing.T) {
	a, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: testSecret, APIKeys: apiKeys{"sk_live": "apk_1"}})
	if err != nil {
		t.Fatal(err)
	}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ac, ok := httpauth.AuthFrom(r.Context())
		httpx.WriteJSON(w, 200, map[string]any{"ok": ok, "ac": ac})
	})
	withKey := a.Authenticate([]string{"user"}, []string{httpauth.AuthBearer, httpauth.AuthAPIKey}, httpauth.AuthOptions{})(echo)
	anyActor := a.Authenticate([]string{"*"}, []string{httpauth.AuthBearer, httpauth.AuthAPIKey}, httpauth.AuthOptions{})(echo)
	open := a.Authenticate([]string{"user"}, []string{httpauth.AuthBearer}, httpauth.AuthOptions{AllowUnauthenticated: true})(echo)
	customerTok, _ := a.IssueToken(authtoken.AuthContext{ActorID: "cus_1", ActorType: "customer", AuthIdentityID: "x"})
	unregTok, _ := a.IssueToken(authtoken.AuthContext{ActorType: "user", AuthIdentityID: "x"})

	for _, c := range []struct {
		name string
		h    http.Handler
		auth string
		want int
		body string
	}{
		{"basic base64 key", withKey, "Basic " + base64.StdEncoding.EncodeToString([]byte("sk_live:")), 200, `"actor_type":"api-key"`},
		{"raw key", withKey, "Basic sk_live", 200, `"actor_id":"apk_1"`},
		{"unknown key", withKey, "Basic " + base64.StdEncoding.EncodeToString([]byte("sk_nope:")), 401, ""},
		{"key needs actor user only", anyActor, "Basic sk_live", 401, ""},
		{"key store failure", withKey, "Basic sk_broken", 500, `"unknown_error"`},
		{"any actor type", anyActor, "Bearer " + customerTok, 200, `"actor_type":"customer"`},
		{"unauthenticated allowed", open, "", 200, `"ok":false`},
		{"bad token refused even when unauthenticated allowed", open, "Bearer junk", 401, ""},
		{"valid token of another actor, unauthenticated allowed", open, "Bearer " + customerTok, 200, `"ok":false`},
		{"basic credentials that are not a key", withKey, "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:password")), 401, ""},
		{"raw key with colon", withKey, "Basic sk_live:", 200, `"actor_id":"apk_1"`},
		{"unregistered dropped when only unauthenticated allowed", open, "Bearer " + unregTok, 200, `"ok":false`},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, req)
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s: %d %s, want %d containing %s", c.name, rec.Code, rec.Body, c.want, c.body)
		}
	}
}

// TestSignParseOtherClaims: other tokens signed with the JWT secret (a
// reset-password token {entity_id, provider}) go through Sign and Parse with
// the same rules.
func TestSignParseOtherClaims(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a := newAuth(t, now)
	tok, err := a.Sign(jwt.MapClaims{"entity_id": "a@b.c", "provider": "emailpass", "exp": now.Add(15 * time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.MapClaims
	if err := a.Parse(tok, &c); err != nil || c["entity_id"] != "a@b.c" {
		t.Fatalf("%v %v", err, c)
	}
	if err := newAuth(t, now.Add(16*time.Minute)).Parse(tok, &jwt.MapClaims{}); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("16 minutes later: %v", err)
	}
	noExp, _ := a.Sign(jwt.MapClaims{"entity_id": "a@b.c"})
	if err := a.Parse(noExp, &jwt.MapClaims{}); err == nil {
		t.Error("token without exp accepted")
	}
}

// A remembered token still expires on time: the expiry is checked on every
// use with the Auth's clock.
func TestVerifiedTokenStillExpires(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: testSecret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := a.IssueToken(authtoken.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a"})
	for range 2 { // the second use is answered from memory
		if _, err := a.VerifyToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(24*time.Hour + time.Second)
	if _, err := a.VerifyToken(tok); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Fatalf("after expiry: %v", err)
	}
}

// Each verification of a remembered token returns its own app_metadata: a
// handler changing it does not change what the next request sees.
func TestVerifiedTokenMetadataIsCopied(t *testing.T) {
	a := newAuth(t, time.Now())
	tok, _ := a.IssueToken(authtoken.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a",
		AppMetadata: map[string]any{"user_id": "u", "roles": []any{"admin"}, "prefs": map[string]any{"lang": "en"}}})
	for i := range 3 {
		ac, err := a.VerifyToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		if ac.AppMetadata["user_id"] != "u" || ac.AppMetadata["roles"].([]any)[0] != "admin" || ac.AppMetadata["prefs"].(map[string]any)["lang"] != "en" {
			t.Fatalf("use %d: app_metadata %v", i, ac.AppMetadata)
		}
		ac.AppMetadata["user_id"] = "someone else"
		ac.AppMetadata["roles"].([]any)[0] = "nobody"
		ac.AppMetadata["prefs"].(map[string]any)["lang"] = "xx"
	}
}
