package httpauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Session defaults (Medusa's express-session options).
const (
	DefaultSessionCookie = "connect.sid"
	DefaultSessionMaxAge = 10 * time.Hour
)

// SessionConfig configures the session cookie.
type SessionConfig struct {
	// CookieName is the cookie's name (DefaultSessionCookie).
	CookieName string
	// MaxAge is how long a session lives, fixed from its creation
	// (DefaultSessionMaxAge).
	MaxAge time.Duration
	// Secure marks the cookie Secure (it is also Secure on any request that
	// came over TLS); SameSite sets its SameSite attribute
	// (Lax when unset). Medusa uses Secure with SameSite=None in production
	// and staging; see ProductionCookies. SameSite=None requires Secure.
	Secure   bool
	SameSite http.SameSite
	// Domain and Path of the cookie (Path "/" when empty).
	Domain, Path string
	// Now is the clock (time.Now).
	Now func() time.Time
}

// ProductionCookies returns c with Secure and SameSite=None, Medusa's cookie
// settings for production and staging.
func (c SessionConfig) ProductionCookies() SessionConfig {
	c.Secure = true
	c.SameSite = http.SameSiteNoneMode
	return c
}

// SessionStore keeps cookie sessions server-side in Postgres (table
// http_session, created by the "http" migrations in package migrations).
// The cookie holds a random 256-bit token; the table holds only its
// SHA-256, the authtoken.AuthContext and the expiry. Expired rows are never returned;
// they are removed whenever a session is created, and by DeleteExpired.
type SessionStore struct {
	db  db.DBTX
	cfg SessionConfig
}

// NewSessionStore returns a store over conn (a *pgxpool.Pool).
func NewSessionStore(conn db.DBTX, cfg SessionConfig) (*SessionStore, error) {
	if conn == nil {
		return nil, errors.New("httpauth: session store: nil database")
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultSessionCookie
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultSessionMaxAge
	}
	if cfg.SameSite == 0 || cfg.SameSite == http.SameSiteDefaultMode {
		cfg.SameSite = http.SameSiteLaxMode
	}
	if cfg.SameSite == http.SameSiteNoneMode && !cfg.Secure {
		return nil, errors.New("httpauth: session store: SameSite=None requires Secure cookies")
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SessionStore{db: conn, cfg: cfg}, nil
}

// CookieName returns the session cookie's name.
func (s *SessionStore) CookieName() string { return s.cfg.CookieName }

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// token returns the request's session token if its cookie is well formed.
func (s *SessionStore) token(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.cfg.CookieName)
	if err != nil {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != 32 {
		return "", false
	}
	return c.Value, true
}

// Create starts a session holding ac and sets its cookie on w. A session the
// request already had is destroyed first (no session fixation).
func (s *SessionStore) Create(ctx context.Context, w http.ResponseWriter, r *http.Request, ac authtoken.AuthContext) error {
	if old, ok := s.token(r); ok {
		if _, err := s.db.Exec(ctx, `DELETE FROM http_session WHERE id = $1`, hashToken(old)); err != nil {
			return fmt.Errorf("httpauth: create session: %w", merrors.FromPg(err))
		}
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	if ac.AppMetadata == nil {
		ac.AppMetadata = map[string]any{}
	}
	data, err := json.Marshal(ac)
	if err != nil {
		return fmt.Errorf("httpauth: create session: %w", err)
	}
	now := s.cfg.Now()
	expires := now.Add(s.cfg.MaxAge)
	// Creating a session also removes expired ones, so the table cleans
	// itself without a scheduled job (an index range scan on expires_at).
	if _, err := s.db.Exec(ctx, `WITH gone AS (DELETE FROM http_session WHERE expires_at <= $4)
		INSERT INTO http_session (id, data, expires_at, created_at) VALUES ($1, $2, $3, $4)`, hashToken(tok), data, expires, now); err != nil {
		return fmt.Errorf("httpauth: create session: %w", merrors.FromPg(err))
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cfg.CookieName, Value: tok, Path: s.cfg.Path, Domain: s.cfg.Domain,
		Expires: expires, MaxAge: int(s.cfg.MaxAge / time.Second),
		HttpOnly: true, Secure: s.secure(r), SameSite: s.cfg.SameSite,
	})
	return nil
}

// secure reports whether the cookie is Secure: always with Secure set, and
// whenever the request came over TLS (a browser keeps such a cookie off
// plain-HTTP requests).
func (s *SessionStore) secure(r *http.Request) bool { return s.cfg.Secure || r.TLS != nil }

// Get returns the authtoken.AuthContext of the request's session, or nil (and no
// error) when there is no cookie or the session is unknown or expired.
func (s *SessionStore) Get(ctx context.Context, r *http.Request) (*authtoken.AuthContext, error) {
	tok, ok := s.token(r)
	if !ok {
		return nil, nil
	}
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT data FROM http_session WHERE id = $1 AND expires_at > $2`, hashToken(tok), s.cfg.Now()).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("httpauth: load session: %w", merrors.FromPg(err))
	}
	var ac authtoken.AuthContext
	if err := json.Unmarshal(data, &ac); err != nil {
		return nil, fmt.Errorf("httpauth: load session: %w", err)
	}
	if ac.AppMetadata == nil {
		ac.AppMetadata = map[string]any{}
	}
	return &ac, nil
}

// Destroy deletes the request's session (if any) and expires its cookie.
func (s *SessionStore) Destroy(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if tok, ok := s.token(r); ok {
		if _, err := s.db.Exec(ctx, `DELETE FROM http_session WHERE id = $1`, hashToken(tok)); err != nil {
			return fmt.Errorf("httpauth: destroy session: %w", merrors.FromPg(err))
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cfg.CookieName, Value: "", Path: s.cfg.Path, Domain: s.cfg.Domain,
		Expires: time.Unix(0, 0), MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: s.cfg.SameSite,
	})
	return nil
}

// DeleteExpired removes expired sessions and returns how many; run it
// periodically (for instance from a scheduled job).
func (s *SessionStore) DeleteExpired(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM http_session WHERE expires_at <= $1`, s.cfg.Now())
	if err != nil {
		return 0, fmt.Errorf("httpauth: delete expired sessions: %w", merrors.FromPg(err))
	}
	return tag.RowsAffected(), nil
}
