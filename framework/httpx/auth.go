package httpx

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/medusa-go/medusa/framework/container"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Auth types accepted by Authenticate.
const (
	AuthBearer  = "bearer"
	AuthSession = "session"
	AuthAPIKey  = "api-key"
)

// DefaultJWTExpiresIn is the lifetime of issued tokens when AuthConfig does
// not set one (Medusa's http.jwtExpiresIn default "1d").
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

// APIKeyAuthenticator checks secret API keys (the hook for a future API key
// module). It returns the key's id, or "" when the key is unknown or
// revoked; an error means the check itself failed (the request is then
// answered 500, not let through or refused as unauthenticated).
type APIKeyAuthenticator interface {
	AuthenticateAPIKey(ctx context.Context, token string) (id string, err error)
}

// AuthConfig configures Auth.
type AuthConfig struct {
	// JWTSecret signs and verifies tokens with HS256 (http.jwtSecret).
	// Required; refusing the default secret in production is the caller's job.
	JWTSecret string
	// JWTExpiresIn is the lifetime of issued tokens (DefaultJWTExpiresIn).
	JWTExpiresIn time.Duration
	// Sessions enables the "session" auth type; nil disables it.
	Sessions *SessionStore
	// APIKeys enables the "api-key" auth type; nil disables it.
	APIKeys APIKeyAuthenticator
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// Auth issues and verifies tokens and builds authentication middleware.
type Auth struct {
	secret    []byte
	expiresIn time.Duration
	sessions  *SessionStore
	apiKeys   APIKeyAuthenticator
	now       func() time.Time
	verified  tokenCache
}

// NewAuth returns an Auth for cfg; an empty JWTSecret is an error.
func NewAuth(cfg AuthConfig) (*Auth, error) {
	if cfg.JWTSecret == "" {
		return nil, errors.New("httpx: auth: empty JWT secret")
	}
	a := &Auth{secret: []byte(cfg.JWTSecret), expiresIn: cfg.JWTExpiresIn, sessions: cfg.Sessions, apiKeys: cfg.APIKeys, now: cfg.Now}
	if a.expiresIn <= 0 {
		a.expiresIn = DefaultJWTExpiresIn
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// Sessions returns the session store (nil when sessions are disabled).
func (a *Auth) Sessions() *SessionStore { return a.sessions }

// IssueToken returns an HS256 JWT for ac with iat = now and exp = now +
// JWTExpiresIn (Medusa's generateJwtToken).
func (a *Auth) IssueToken(ac AuthContext) (string, error) {
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
func (a *Auth) Sign(claims jwt.Claims) (string, error) {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.secret)
	if err != nil {
		return "", fmt.Errorf("httpx: sign token: %w", err)
	}
	return s, nil
}

// Parse verifies token (HS256 only, signature, exp required and in the
// future, iat not in the future) and decodes its claims into claims.
func (a *Auth) Parse(token string, claims jwt.Claims) error {
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return a.secret, nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(a.now))
	if err != nil {
		return fmt.Errorf("httpx: verify token: %w", err)
	}
	return nil
}

// VerifyToken verifies an auth JWT and returns its AuthContext. Besides
// Parse's checks it requires actor_type and auth_identity_id claims.
//
// A token that passed is remembered, by its exact text, until it expires
// (at most tokenCacheSize tokens per Auth): a request carrying it again
// skips the signature check and the decoding, but not the expiry check,
// which runs on every use with the Auth's clock. Only tokens this Auth
// verified are remembered, so a client cannot fill the cache with made-up
// ones; each caller gets its own copy of the app_metadata.
func (a *Auth) VerifyToken(token string) (AuthContext, error) {
	now := a.now()
	if ac, ok := a.verified.get(token, now); ok {
		return ac, nil
	}
	var c Claims
	if err := a.Parse(token, &c); err != nil {
		return AuthContext{}, err
	}
	if c.ActorType == "" || c.AuthIdentityID == "" {
		return AuthContext{}, fmt.Errorf("httpx: verify token: %w: actor_type and auth_identity_id", jwt.ErrTokenRequiredClaimMissing)
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

// AuthOptions are Authenticate's options.
type AuthOptions struct {
	// AllowUnauthenticated lets requests without valid credentials through
	// (without an AuthContext).
	AllowUnauthenticated bool
	// AllowUnregistered lets through an identity that has no actor yet
	// (actor_id ""), as the invite-accept route needs.
	AllowUnregistered bool
}

// Authenticate is Medusa's authenticate(actorTypes, authTypes, options)
// middleware: it tries, in order, an API key (when "api-key" is in
// authTypes, actorTypes is exactly ["user"] and APIKeys is set), the session
// (when "session" is allowed and Sessions is set), and a bearer JWT. A
// context whose actor type is in actorTypes ("*" = any) and that has an
// actor_id passes; one with only an auth_identity_id passes when
// AllowUnregistered; otherwise a bearer token that fails verification
// (forged, expired, alg "none", not HS256, malformed) is answered 401 even
// when AllowUnauthenticated, AllowUnauthenticated passes without context,
// and anything else is answered 401 {"message":"Unauthorized"}.
func (a *Auth) Authenticate(actorTypes, authTypes []string, opts AuthOptions) Middleware {
	anyActor := slices.Contains(actorTypes, "*")
	permitted := func(t string) bool { return anyActor || slices.Contains(actorTypes, t) }
	useAPIKey := slices.Contains(authTypes, AuthAPIKey) && len(actorTypes) == 1 && actorTypes[0] == "user"
	useSession := slices.Contains(authTypes, AuthSession)
	useBearer := slices.Contains(authTypes, AuthBearer)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			var ac *AuthContext
			if useAPIKey && a.apiKeys != nil {
				if tok, ok := apiKeyToken(r); ok {
					id, err := a.apiKeys.AuthenticateAPIKey(ctx, tok)
					if err != nil {
						WriteError(w, r, fmt.Errorf("httpx: authenticate api key: %w", err))
						return
					}
					if id != "" {
						ac = &AuthContext{ActorID: id, ActorType: "api-key", AppMetadata: map[string]any{}}
					}
				}
			}
			if ac == nil && useSession && a.sessions != nil {
				s, err := a.sessions.Get(ctx, r)
				if err != nil {
					WriteError(w, r, err)
					return
				}
				if s != nil && permitted(s.ActorType) {
					ac = s
				}
			}
			invalidBearer := false
			if ac == nil && useBearer {
				if tok, ok := bearerToken(r); ok {
					c, err := a.VerifyToken(tok)
					if err == nil && permitted(c.ActorType) {
						ac = &c
					} else if err != nil {
						invalidBearer = true
						Logger(ctx).DebugContext(ctx, "bearer token refused", slog.String("request_id", RequestID(ctx)), slog.String("reason", err.Error()))
					}
				}
			}
			switch {
			case ac != nil && ac.ActorID != "":
			case ac != nil && ac.AuthIdentityID != "" && opts.AllowUnregistered:
			case invalidBearer:
				// Forged, expired or malformed credentials are refused even
				// where unauthenticated requests are allowed (as newer Medusa
				// versions do).
				WriteError(w, r, ErrUnauthorized)
				return
			case opts.AllowUnauthenticated:
				if ac != nil && ac.ActorID == "" && !opts.AllowUnregistered {
					ac = nil
				}
			default:
				WriteError(w, r, ErrUnauthorized)
				return
			}
			if ac != nil {
				ctx = WithAuthContext(ctx, *ac)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// apiKeyToken extracts a secret API key from "Basic base64(sk_…:)" or a raw
// "Basic sk_…"; other Basic credentials are not API keys.
func apiKeyToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	if !strings.HasPrefix(tok, "sk_") {
		raw, err := base64.StdEncoding.DecodeString(tok)
		if err != nil {
			return "", false
		}
		tok = string(raw)
	}
	tok = strings.TrimSuffix(tok, ":")
	return tok, strings.HasPrefix(tok, "sk_") && len(tok) > 3
}

// WithAuthContext returns ctx carrying ac (Authenticate does this; tests and
// custom authentication may too).
func WithAuthContext(ctx context.Context, ac AuthContext) context.Context {
	return context.WithValue(ctx, authKey, &ac)
}

// AuthFrom returns the request's AuthContext, if it was authenticated.
func AuthFrom(ctx context.Context) (AuthContext, bool) {
	ac, ok := ctx.Value(authKey).(*AuthContext)
	if !ok {
		return AuthContext{}, false
	}
	return *ac, true
}

// AuthKey is the container key of the application's token and session
// issuer ("http_auth").
var AuthKey = container.NewKey[*Auth]("http_auth")
