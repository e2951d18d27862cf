package authtoken

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultJWTExpiresIn is the lifetime of issued tokens when Config does not
// set one (Medusa's http.jwtExpiresIn default "1d").
const DefaultJWTExpiresIn = 24 * time.Hour

// AuthContext is who a request acts as (Medusa's req.auth_context). A
// registration token carries an empty ActorID.
type AuthContext struct {
	ActorID        string         `json:"actor_id"`
	ActorType      string         `json:"actor_type"`
	AuthIdentityID string         `json:"auth_identity_id"`
	AppMetadata    map[string]any `json:"app_metadata"`
}

// Claims are the claims of medusa-go's auth JWT: the AuthContext plus the
// registered claims (iat, exp).
type Claims struct {
	AuthContext
	jwt.RegisteredClaims
}

// Config configures a Signer.
type Config struct {
	// Secret signs and verifies tokens with HS256 (Medusa's http.jwtSecret).
	// Required; refusing the default secret in production is the caller's job.
	Secret string
	// ExpiresIn is the lifetime of issued tokens (DefaultJWTExpiresIn).
	ExpiresIn time.Duration
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// Signer issues and verifies HS256 tokens signed with one secret.
type Signer struct {
	secret    []byte
	expiresIn time.Duration
	now       func() time.Time
	verified  tokenCache
}

// New returns a Signer for cfg; an empty Secret is an error.
func New(cfg Config) (*Signer, error) {
	if cfg.Secret == "" {
		return nil, errors.New("authtoken: empty JWT secret")
	}
	s := &Signer{secret: []byte(cfg.Secret), expiresIn: cfg.ExpiresIn, now: cfg.Now}
	if s.expiresIn <= 0 {
		s.expiresIn = DefaultJWTExpiresIn
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// IssueToken returns an HS256 JWT for ac with iat = now and exp = now +
// ExpiresIn (Medusa's generateJwtToken).
func (a *Signer) IssueToken(ac AuthContext) (string, error) {
	if ac.AppMetadata == nil {
		ac.AppMetadata = map[string]any{}
	}
	now := a.now()
	c := Claims{AuthContext: ac, RegisteredClaims: jwt.RegisteredClaims{
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(a.expiresIn)),
	}}
	return a.Sign(c)
}

// Sign signs any claims with HS256 and the JWT secret, for other tokens
// signed with http.jwtSecret (such as reset-password tokens).
func (a *Signer) Sign(claims jwt.Claims) (string, error) {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.secret)
	if err != nil {
		return "", fmt.Errorf("authtoken: sign token: %w", err)
	}
	return s, nil
}

// Parse verifies token (HS256 only, signature, exp required and in the
// future, iat not in the future) and decodes its claims into claims.
func (a *Signer) Parse(token string, claims jwt.Claims) error {
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return a.secret, nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(a.now))
	if err != nil {
		return fmt.Errorf("authtoken: verify token: %w", err)
	}
	return nil
}

// VerifyToken verifies an auth JWT and returns its AuthContext. Besides
// Parse's checks it requires actor_type and auth_identity_id claims.
//
// A token that passed is remembered, by its exact text, until it expires
// (at most tokenCacheSize tokens per Signer): a request carrying it again
// skips the signature check and the decoding, but not the expiry check,
// which runs on every use with the Signer's clock. Only tokens this Signer
// verified are remembered, so a client cannot fill the cache with made-up
// ones; each caller gets its own copy of the app_metadata.
func (a *Signer) VerifyToken(token string) (AuthContext, error) {
	now := a.now()
	if ac, ok := a.verified.get(token, now); ok {
		return ac, nil
	}
	var c Claims
	if err := a.Parse(token, &c); err != nil {
		return AuthContext{}, err
	}
	if c.ActorType == "" || c.AuthIdentityID == "" {
		return AuthContext{}, fmt.Errorf("authtoken: verify token: %w: actor_type and auth_identity_id", jwt.ErrTokenRequiredClaimMissing)
	}
	if c.AppMetadata == nil {
		c.AppMetadata = map[string]any{}
	}
	if c.ExpiresAt != nil { // required by Parse
		a.verified.put(token, c.AuthContext, c.ExpiresAt.Time, now)
	}
	return c.AuthContext, nil
}

// tokenCacheSize bounds the verified tokens an Auth remembers.
const tokenCacheSize = 1024

// tokenCache remembers verified auth tokens until they expire.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	ac  AuthContext
	exp time.Time
}

func (c *tokenCache) get(token string, now time.Time) (AuthContext, bool) {
	c.mu.RLock()
	v, ok := c.m[token]
	c.mu.RUnlock()
	if !ok || !now.Before(v.exp) {
		return AuthContext{}, false
	}
	ac := v.ac
	ac.AppMetadata = cloneJSON(v.ac.AppMetadata).(map[string]any)
	return ac, true
}

func (c *tokenCache) put(token string, ac AuthContext, exp, now time.Time) {
	ac.AppMetadata = cloneJSON(ac.AppMetadata).(map[string]any)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]verifiedToken)
	}
	if len(c.m) >= tokenCacheSize {
		for k, v := range c.m {
			if !now.Before(v.exp) {
				delete(c.m, k)
			}
		}
		for k := range c.m { // still full: forget an arbitrary half
			if len(c.m) < tokenCacheSize/2 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[token] = verifiedToken{ac: ac, exp: exp}
}

// cloneJSON deep-copies a decoded JSON value (maps, slices, scalars).
func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}
