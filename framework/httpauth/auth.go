package httpauth

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/httpx"
)

// Auth types accepted by Authenticate.
const (
	AuthBearer  = "bearer"
	AuthSession = "session"
	AuthAPIKey  = "api-key"
)

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
	// JWTExpiresIn is the lifetime of issued tokens
	// (authtoken.DefaultJWTExpiresIn).
	JWTExpiresIn time.Duration
	// Sessions enables the "session" auth type; nil disables it.
	Sessions *SessionStore
	// APIKeys enables the "api-key" auth type; nil disables it.
	APIKeys APIKeyAuthenticator
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// Auth issues and verifies tokens (its embedded authtoken.Signer: IssueToken,
// VerifyToken, Sign, Parse) and builds authentication middleware.
type Auth struct {
	*authtoken.Signer
	sessions *SessionStore
	apiKeys  APIKeyAuthenticator
}

// NewAuth returns an Auth for cfg; an empty JWTSecret is an error.
func NewAuth(cfg AuthConfig) (*Auth, error) {
	s, err := authtoken.New(authtoken.Config{Secret: cfg.JWTSecret, ExpiresIn: cfg.JWTExpiresIn, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("httpauth: %w", err)
	}
	return &Auth{Signer: s, sessions: cfg.Sessions, apiKeys: cfg.APIKeys}, nil
}

// Sessions returns the session store (nil when sessions are disabled).
func (a *Auth) Sessions() *SessionStore { return a.sessions }

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
func (a *Auth) Authenticate(actorTypes, authTypes []string, opts AuthOptions) httpx.Middleware {
	anyActor := slices.Contains(actorTypes, "*")
	permitted := func(t string) bool { return anyActor || slices.Contains(actorTypes, t) }
	useAPIKey := slices.Contains(authTypes, AuthAPIKey) && len(actorTypes) == 1 && actorTypes[0] == "user"
	useSession := slices.Contains(authTypes, AuthSession)
	useBearer := slices.Contains(authTypes, AuthBearer)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			var ac *authtoken.AuthContext
			if useAPIKey && a.apiKeys != nil {
				if tok, ok := apiKeyToken(r); ok {
					id, err := a.apiKeys.AuthenticateAPIKey(ctx, tok)
					if err != nil {
						httpx.WriteError(w, r, fmt.Errorf("httpauth: authenticate api key: %w", err))
						return
					}
					if id != "" {
						ac = &authtoken.AuthContext{ActorID: id, ActorType: "api-key", AppMetadata: map[string]any{}}
					}
				}
			}
			if ac == nil && useSession && a.sessions != nil {
				s, err := a.sessions.Get(ctx, r)
				if err != nil {
					httpx.WriteError(w, r, err)
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
						httpx.Logger(ctx).DebugContext(ctx, "bearer token refused", slog.String("request_id", httpx.RequestID(ctx)), slog.String("reason", err.Error()))
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
				httpx.WriteError(w, r, httpx.ErrUnauthorized)
				return
			case opts.AllowUnauthenticated:
				if ac != nil && ac.ActorID == "" && !opts.AllowUnregistered {
					ac = nil
				}
			default:
				httpx.WriteError(w, r, httpx.ErrUnauthorized)
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
func WithAuthContext(ctx context.Context, ac authtoken.AuthContext) context.Context {
	return context.WithValue(ctx, authKey, &ac)
}

// AuthFrom returns the request's AuthContext, if it was authenticated.
func AuthFrom(ctx context.Context) (authtoken.AuthContext, bool) {
	ac, ok := ctx.Value(authKey).(*authtoken.AuthContext)
	if !ok {
		return authtoken.AuthContext{}, false
	}
	return *ac, true
}

type ctxKey struct{}

// authKey is the context key of the request's AuthContext.
var authKey ctxKey

// AuthKey is the container key of the application's token and session
// issuer ("http_auth").
var AuthKey = container.NewKey[*Auth]("http_auth")
