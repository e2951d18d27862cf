package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/body"
	"github.com/medusa-go/medusa/framework/httpx/mw"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/modules/auth"
)

// Config is what the /auth routes need.
type Config struct {
	// Service is the Auth Module's service (required).
	Service *auth.Service
	// Auth issues and verifies the API's JWTs (required). Its session store,
	// when it has one, backs POST and DELETE /auth/session; without one
	// those two routes are not mounted.
	Auth *httpauth.Auth
	// AuthMethodsPerActor restricts the providers an actor type may use
	// (Medusa's http.authMethodsPerActor, e.g. {"user": ["emailpass"]}); an
	// actor type absent from the map may use any provider.
	AuthMethodsPerActor map[string][]string
	// PerIP limits login, register, reset-password and update requests per
	// client IP (mw.LoginPerIP() when nil).
	PerIP *mw.Limiter
	// PerIdentifier limits login, register and reset-password requests per
	// email (mw.LoginPerIdentifier() when nil).
	PerIdentifier *mw.Limiter
	// ClientIP is the key of PerIP (httpx.ClientIP when nil).
	ClientIP func(*http.Request) string
	// BodyLimit caps request bodies (httpx.DefaultBodyLimit when 0).
	BodyLimit int64
}

type routes struct {
	cfg Config
	svc *auth.Service
	jwt *httpauth.Auth
}

// Routes returns the /auth routes as a module's routes (reference of what
// each answers below). cfg.Service defaults to the Auth Module registered
// under auth.Key in the router's container, cfg.Auth to the router's token
// issuer:
//
//	POST   /auth/{actor_type}/{auth_provider}                 log in → 200 {token}
//	POST   /auth/{actor_type}/{auth_provider}/register        register → 200 {token} (actor_id "")
//	POST   /auth/{actor_type}/{auth_provider}/reset-password  {identifier} → always 201
//	POST   /auth/{actor_type}/{auth_provider}/update          Bearer reset token, {email, password} → 200 {success:true}
//	POST   /auth/session                                      Bearer token → cookie session, 200 {user}
//	DELETE /auth/session                                      200 {success:true}
//	POST   /auth/token/refresh                                Bearer/session → 200 {token}
//
// The routes fail to mount when there is no service or no token issuer.
func Routes(cfg Config) func(r *module.Router) error {
	return func(r *module.Router) error {
		if cfg.Service == nil && r.Container() != nil && r.Container().Has(auth.Key.Name()) {
			svc, err := container.Resolve(r.Container(), auth.Key)
			if err != nil {
				return err
			}
			cfg.Service = svc
		}
		if cfg.Auth == nil {
			cfg.Auth = r.Auth()
		}
		if cfg.Service == nil || cfg.Auth == nil {
			return errors.New("auth api: no Auth Module service (auth.Key) or no token issuer (httpauth.AuthKey)")
		}
		if cfg.PerIP == nil {
			cfg.PerIP = mw.NewLimiter(mw.LoginPerIP())
		}
		if cfg.PerIdentifier == nil {
			cfg.PerIdentifier = mw.NewLimiter(mw.LoginPerIdentifier())
		}
		if cfg.ClientIP == nil {
			cfg.ClientIP = httpx.ClientIP
		}
		if cfg.BodyLimit <= 0 {
			cfg.BodyLimit = httpx.DefaultBodyLimit
		}
		rt := &routes{cfg: cfg, svc: cfg.Service, jwt: cfg.Auth}
		perIP := module.Use(cfg.PerIP.Middleware(cfg.ClientIP))
		r.HandleFunc("POST /auth/{actor_type}/{auth_provider}", rt.withCredentials(rt.svc.Authenticate), perIP)
		r.HandleFunc("POST /auth/{actor_type}/{auth_provider}/register", rt.withCredentials(rt.svc.Register), perIP)
		r.HandleFunc("POST /auth/{actor_type}/{auth_provider}/reset-password", rt.resetPassword, perIP)
		r.HandleFunc("POST /auth/{actor_type}/{auth_provider}/update", rt.update, perIP)
		r.HandleFunc("POST /auth/token/refresh", rt.refresh,
			module.Authenticate([]string{"*"}, []string{httpauth.AuthBearer, httpauth.AuthSession}, httpauth.AuthOptions{AllowUnregistered: true}))
		if cfg.Auth.Sessions() != nil {
			r.HandleFunc("POST /auth/session", rt.createSession,
				module.Authenticate([]string{"*"}, []string{httpauth.AuthBearer}, httpauth.AuthOptions{}))
			r.HandleFunc("DELETE /auth/session", rt.deleteSession)
		}
		return nil
	}
}

// checkProvider applies AuthMethodsPerActor and refuses unknown providers
// the way Medusa's auth module does.
func (rt *routes) checkProvider(actorType, provider string) error {
	if allowed, ok := rt.cfg.AuthMethodsPerActor[actorType]; ok && !slices.Contains(allowed, provider) {
		return merrors.New(merrors.NotAllowed, "The actor type %s is not allowed to use the auth provider %s", actorType, provider)
	}
	if provider != auth.ProviderEmailpass {
		return merrors.New(merrors.Unauthorized, "Unable to retrieve the auth provider with id: %s\nPlease make sure that the provider is registered in the container and it is configured correctly in your project configuration file.", provider)
	}
	return nil
}

// allowIdentifier takes a token from the identifier's bucket when the body
// names one; it writes 429 and returns false when the bucket is empty.
func (rt *routes) allowIdentifier(w http.ResponseWriter, r *http.Request, id any) bool {
	s, ok := id.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return true
	}
	if ok, wait := rt.cfg.PerIdentifier.Allow(mw.IdentifierKey(s)); !ok {
		httpx.WriteError(w, r, httpx.TooManyRequests(wait))
		return false
	}
	return true
}

type tokenBody struct {
	Token string `json:"token"`
}

// withCredentials is the handler of the routes that take an email and a
// password and answer a token for the identity op returns: login (POST
// /auth/{actor_type}/{auth_provider}, op Authenticate) and register (POST
// /auth/{actor_type}/{auth_provider}/register, op Register).
func (rt *routes) withCredentials(op func(ctx context.Context, email, password string) (auth.AuthIdentity, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actorType, provider := r.PathValue("actor_type"), r.PathValue("auth_provider")
		if err := rt.checkProvider(actorType, provider); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		body, err := rt.readObject(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		if !rt.allowIdentifier(w, r, body["email"]) {
			return
		}
		email, password, err := auth.Credentials(body)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		ai, err := op(r.Context(), email, password)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		rt.writeToken(w, r, ai, actorType)
	}
}

// AuthContextFor is the AuthContext of a token issued for identity ai acting
// as actorType (Medusa's generateJwtTokenForAuthIdentity): actor_id is
// app_metadata["<actor_type>_id"] when it is a string, else ""; the
// app_metadata claim holds only that key (null when it is null, absent
// when it is absent).
func AuthContextFor(ai auth.AuthIdentity, actorType string) (authtoken.AuthContext, error) {
	md := map[string]any{}
	if len(ai.AppMetadata) > 0 && string(ai.AppMetadata) != "null" {
		if err := json.Unmarshal(ai.AppMetadata, &md); err != nil {
			return authtoken.AuthContext{}, merrors.Wrap(merrors.UnexpectedState, err, "auth identity app_metadata is not a JSON object")
		}
	}
	key := actorType + "_id"
	ac := authtoken.AuthContext{ActorType: actorType, AuthIdentityID: ai.ID, AppMetadata: map[string]any{}}
	if v, ok := md[key]; ok {
		ac.AppMetadata[key] = v
		if s, ok := v.(string); ok {
			ac.ActorID = s
		}
	}
	return ac, nil
}

func (rt *routes) writeToken(w http.ResponseWriter, r *http.Request, ai auth.AuthIdentity, actorType string) {
	ac, err := AuthContextFor(ai, actorType)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	tok, err := rt.jwt.IssueToken(ac)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tokenBody{Token: tok})
}

// refresh is POST /auth/token/refresh: a new token from the identity's
// current app_metadata (it picks up an actor linked since the last token).
func (rt *routes) refresh(w http.ResponseWriter, r *http.Request) {
	ac, ok := httpauth.AuthFrom(r.Context())
	if !ok || ac.AuthIdentityID == "" {
		httpx.WriteError(w, r, httpx.ErrUnauthorized)
		return
	}
	ai, err := rt.svc.RetrieveAuthIdentity(r.Context(), ac.AuthIdentityID)
	if merrors.Is(err, merrors.NotFound) {
		// The identity was deleted since the token was issued.
		httpx.WriteError(w, r, httpx.ErrUnauthorized)
		return
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rt.writeToken(w, r, ai, ac.ActorType)
}

type sessionBody struct {
	User authtoken.AuthContext `json:"user"`
}

type successBody struct {
	Success bool `json:"success"`
}

// createSession is POST /auth/session: the bearer token's context (which
// must carry an actor_id) becomes a cookie session.
func (rt *routes) createSession(w http.ResponseWriter, r *http.Request) {
	ac, ok := httpauth.AuthFrom(r.Context())
	if !ok || ac.ActorID == "" {
		httpx.WriteError(w, r, httpx.ErrUnauthorized)
		return
	}
	if err := rt.jwt.Sessions().Create(r.Context(), w, r, ac); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sessionBody{User: ac})
}

// deleteSession is DELETE /auth/session.
func (rt *routes) deleteSession(w http.ResponseWriter, r *http.Request) {
	if err := rt.jwt.Sessions().Destroy(r.Context(), w, r); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, successBody{Success: true})
}

type resetRequest struct {
	Identifier string `json:"identifier"`
}

var resetBody = body.MustBody[resetRequest](body.String("identifier"))

// resetPassword is POST /auth/{actor_type}/{auth_provider}/reset-password:
// it answers 201 whether or not the identifier exists; the token goes out
// only through the "auth.password_reset" event.
func (rt *routes) resetPassword(w http.ResponseWriter, r *http.Request) {
	actorType, provider := r.PathValue("actor_type"), r.PathValue("auth_provider")
	if err := rt.checkProvider(actorType, provider); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	in, err := resetBody.WithLimit(rt.cfg.BodyLimit).Decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if !rt.allowIdentifier(w, r, in.Identifier) {
		return
	}
	if _, err := rt.svc.GenerateResetPasswordToken(r.Context(), actorType, provider, in.Identifier); err != nil && !merrors.Is(err, merrors.InvalidData) {
		// Medusa runs the workflow with throwOnError: false; an unknown
		// identifier is expected, anything else is worth a log line (the
		// error never holds the token).
		httpx.Logger(r.Context()).WarnContext(r.Context(), "reset password token not generated",
			slog.String("request_id", httpx.RequestID(r.Context())), slog.String("error", err.Error()))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, "Created")
}

// update is POST /auth/{actor_type}/{auth_provider}/update: with a valid
// reset token as Bearer, sets the password of the token's identity.
func (rt *routes) update(w http.ResponseWriter, r *http.Request) {
	actorType, provider := r.PathValue("actor_type"), r.PathValue("auth_provider")
	if err := rt.checkProvider(actorType, provider); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	tok, ok := bearer(r)
	if !ok {
		writeInvalidToken(w)
		return
	}
	entityID, err := rt.svc.VerifyResetPasswordToken(r.Context(), provider, tok)
	if merrors.Is(err, merrors.Unauthorized) {
		writeInvalidToken(w)
		return
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	body, err := rt.readObject(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// The identity is the token's; a body email is accepted and ignored,
	// as in Medusa. A missing or empty password is refused (Medusa answers
	// success without changing anything).
	password, ok := body["password"].(string)
	if !ok || password == "" {
		httpx.WriteError(w, r, merrors.New(merrors.Unauthorized, auth.MsgPasswordNotString))
		return
	}
	if err := rt.svc.UpdatePassword(r.Context(), entityID, password); err != nil {
		if merrors.Is(err, merrors.NotFound) {
			writeInvalidToken(w)
			return
		}
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, successBody{Success: true})
}

type messageBody struct {
	Message string `json:"message"`
}

func writeInvalidToken(w http.ResponseWriter) {
	httpx.WriteJSON(w, http.StatusUnauthorized, messageBody{Message: "Invalid token"})
}

func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// readObject reads a JSON object body of any shape (the emailpass provider
// reads the keys it knows and ignores the rest, as Medusa's does) with
// body.ReadJSON's transport and syntax checks (415, 413, invalid UTF-8 or
// JSON, duplicate keys, depth). An empty body is {}.
func (rt *routes) readObject(r *http.Request) (map[string]any, error) {
	data, err := body.ReadJSON(r, rt.cfg.BodyLimit)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, merrors.New(merrors.InvalidData, "Invalid request: the body must be a JSON object")
	}
	return obj, nil
}
