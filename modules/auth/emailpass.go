package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	authdb "github.com/medusa-go/medusa/modules/auth/db"
)

// ProviderEmailpass is the id of the email+password provider.
const ProviderEmailpass = "emailpass"

// ResetPasswordTokenTTL is the lifetime of a reset-password token (Medusa's
// generate-reset-password-token: 15 minutes).
const ResetPasswordTokenTTL = 15 * time.Minute

// PasswordResetEvent is emitted with {entity_id, actor_type, token} when a
// reset-password token is generated; a notification subscriber sends the
// token to the identity's owner.
const PasswordResetEvent = "auth.password_reset"

// The emailpass provider's messages (Medusa's, byte for byte). All are
// unauthorized errors, answered 401 by the /auth routes.
const (
	MsgInvalidCredentials = "Invalid email or password"
	MsgPasswordNotString  = "Password should be a string"
	MsgEmailNotString     = "Email should be a string"
	MsgIdentityExists     = "Identity with email already exists"
)

// Credentials reads an emailpass body ({email, password}; other keys are
// ignored, as Medusa's provider ignores them): the password is checked
// first, then the email; a missing, empty or non-string value fails with
// unauthorized "Password should be a string" / "Email should be a string".
func Credentials(body map[string]any) (email, password string, err error) {
	p, ok := body["password"].(string)
	if !ok || p == "" {
		return "", "", merrors.New(merrors.Unauthorized, MsgPasswordNotString)
	}
	e, ok := body["email"].(string)
	if !ok || e == "" {
		return "", "", merrors.New(merrors.Unauthorized, MsgEmailNotString)
	}
	return e, p, nil
}

func checkCredentials(email, password string) error {
	if password == "" {
		return merrors.New(merrors.Unauthorized, MsgPasswordNotString)
	}
	if email == "" {
		return merrors.New(merrors.Unauthorized, MsgEmailNotString)
	}
	return nil
}

// Register creates an auth identity with an emailpass provider identity for
// email (entity_id) and a scrypt hash of password in
// provider_metadata.password, and returns the identity (its app_metadata is
// empty: no actor is linked yet). An email that already has an emailpass
// identity fails with unauthorized "Identity with email already exists",
// also when two registrations race.
func (s *Service) Register(ctx context.Context, email, password string) (AuthIdentity, error) {
	if err := checkCredentials(email, password); err != nil {
		return AuthIdentity{}, err
	}
	if _, err := s.Queries(ctx).ProviderIdentityByEntity(ctx, authdb.ProviderIdentityByEntityParams{EntityID: email, Provider: ProviderEmailpass}); err == nil {
		return AuthIdentity{}, merrors.New(merrors.Unauthorized, MsgIdentityExists)
	} else if !merrors.Is(mapErr(err), merrors.NotFound) {
		return AuthIdentity{}, fmt.Errorf("register: %w", mapErr(err))
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return AuthIdentity{}, fmt.Errorf("register: %w", err)
	}
	meta, err := json.Marshal(map[string]string{"password": hash})
	if err != nil {
		return AuthIdentity{}, fmt.Errorf("register: %w", err)
	}
	var out AuthIdentity
	err = s.Tx(ctx, func(ctx context.Context, _ *authdb.Queries) error {
		ais, err := s.CreateAuthIdentities(ctx, CreateAuthIdentityInput{AppMetadata: json.RawMessage(`{}`)})
		if err != nil {
			return err
		}
		out = ais[0]
		_, err = s.createProviderIdentities(ctx, CreateProviderIdentityInput{
			EntityID: email, Provider: ProviderEmailpass, AuthIdentityID: out.ID, ProviderMetadata: meta,
		})
		return err
	})
	if merrors.IsUniqueViolation(err) {
		return AuthIdentity{}, merrors.New(merrors.Unauthorized, MsgIdentityExists)
	}
	if err != nil {
		return AuthIdentity{}, fmt.Errorf("register: %w", err)
	}
	return out, nil
}

// Authenticate checks email and password against the emailpass identity
// and returns its auth identity. An unknown email and a wrong password both
// fail with unauthorized "Invalid email or password", and both cost one
// hash verification at the service's parameters, waiting for the hashing
// budget alike (an unknown email, or a stored hash that cannot be read, is
// verified against a dummy hash), so neither the answer nor its timing
// tells whether the email exists. When ctx ends while the login waits for
// the budget, the error wraps ctx's.
func (s *Service) Authenticate(ctx context.Context, email, password string) (AuthIdentity, error) {
	if err := checkCredentials(email, password); err != nil {
		return AuthIdentity{}, err
	}
	pi, err := s.Queries(ctx).ProviderIdentityByEntity(ctx, authdb.ProviderIdentityByEntityParams{EntityID: email, Provider: ProviderEmailpass})
	stored, known := s.ext.dummyParsed, false
	switch {
	case err == nil:
		if h, ok := storedHash(pi.ProviderMetadata); ok {
			if ph, perr := parseHash(h); perr == nil {
				stored, known = ph, true
			} else {
				// Corrupted: the dummy's work is spent all the same.
				slog.WarnContext(ctx, "auth: stored password hash is malformed", slog.String("provider_identity_id", pi.ID))
			}
		}
	case !merrors.Is(mapErr(err), merrors.NotFound):
		return AuthIdentity{}, fmt.Errorf("authenticate: %w", mapErr(err))
	}
	var ok bool
	var verr error
	if err := s.ext.gate.do(ctx, stored.params.memory(), func() { ok, verr = stored.verify(password) }); err != nil {
		return AuthIdentity{}, fmt.Errorf("authenticate: %w", err)
	}
	if verr != nil {
		return AuthIdentity{}, fmt.Errorf("authenticate: %w", verr)
	}
	if !known || !ok {
		return AuthIdentity{}, merrors.New(merrors.Unauthorized, MsgInvalidCredentials)
	}
	if stored.params != s.ext.hash || stored.medusa() {
		// Stored with other parameters (they were changed since), or in
		// Medusa's scrypt-kdf format (a user moved over from a Medusa
		// database): re-hash at the current ones, so that every stored
		// hash, and the dummy, cost the same again. A failure only
		// postpones it.
		if err := s.rehash(ctx, email, password); err != nil {
			slog.WarnContext(ctx, "auth: re-hash password at the current parameters", slog.String("provider_identity_id", pi.ID), slog.String("error", err.Error()))
		}
	}
	ai, err := s.RetrieveAuthIdentity(ctx, pi.AuthIdentityID)
	if merrors.Is(err, merrors.NotFound) {
		// The identity was (soft-)deleted under its provider identity.
		return AuthIdentity{}, merrors.New(merrors.Unauthorized, MsgInvalidCredentials)
	}
	if err != nil {
		return AuthIdentity{}, fmt.Errorf("authenticate: %w", err)
	}
	return ai, nil
}

// hashPassword hashes password at the service's parameters once the
// hashing budget has room.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	var hash string
	var herr error
	if err := s.ext.gate.do(ctx, s.ext.hash.memory(), func() { hash, herr = hashAt(password, s.ext.hash) }); err != nil {
		return "", err
	}
	return hash, herr
}

func (s *Service) rehash(ctx context.Context, email, password string) error {
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(ctx context.Context, q *authdb.Queries) error {
		_, err := q.SetProviderPassword(ctx, authdb.SetProviderPasswordParams{EntityID: email, Provider: ProviderEmailpass, PasswordHash: hash})
		return err
	})
}

func storedHash(meta json.RawMessage) (string, bool) {
	var m struct {
		Password string `json:"password"`
	}
	if len(meta) == 0 || json.Unmarshal(meta, &m) != nil || m.Password == "" {
		return "", false
	}
	return m.Password, true
}

// UpdatePassword sets a new password on the emailpass identity of email
// (Medusa's updateProvider("emailpass", {entity_id, password})). An empty
// password fails with unauthorized "Password should be a string"; an
// unknown email with not_found.
func (s *Service) UpdatePassword(ctx context.Context, email, password string) error {
	if password == "" {
		return merrors.New(merrors.Unauthorized, MsgPasswordNotString)
	}
	if email == "" {
		return merrors.New(merrors.Unauthorized, "Cannot update %s provider identity without entity_id", ProviderEmailpass)
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return fmt.Errorf("update password: %w", err)
	}
	return s.Tx(ctx, func(ctx context.Context, q *authdb.Queries) error {
		id, err := q.SetProviderPassword(ctx, authdb.SetProviderPasswordParams{EntityID: email, Provider: ProviderEmailpass, PasswordHash: hash})
		if err != nil {
			if merrors.Is(mapErr(err), merrors.NotFound) {
				return merrors.New(merrors.NotFound, "Provider identity with entity_id %s and provider %s not found", email, ProviderEmailpass)
			}
			return err
		}
		s.Emit(ctx, Event(ModuleEventProviderIdentityUpdated, "provider_identity", "updated", map[string]any{"id": id}))
		return nil
	})
}

// ResetClaims are the claims of a reset-password token: {entity_id,
// provider, iat, exp}, HS256 with the http JWT secret.
type ResetClaims struct {
	EntityID string `json:"entity_id"`
	Provider string `json:"provider"`
	jwt.RegisteredClaims
}

var errNoSecret = errors.New("auth: no JWT secret: build the service WithJWTSecret to use reset-password tokens")

// GenerateResetPasswordToken issues a 15-minute reset-password token for the
// provider identity (entityID, provider) and emits "auth.password_reset"
// {entity_id, actor_type, token} on the event bus (Medusa's
// generate-reset-password-token workflow). An unknown identity fails with
// invalid_data "Provider identity with entity_id <e> and provider <p> not
// found".
func (s *Service) GenerateResetPasswordToken(ctx context.Context, actorType, provider, entityID string) (string, error) {
	if s.ext.tokens == nil {
		return "", errNoSecret
	}
	if _, err := s.Queries(ctx).ProviderIdentityByEntity(ctx, authdb.ProviderIdentityByEntityParams{EntityID: entityID, Provider: provider}); err != nil {
		if merrors.Is(mapErr(err), merrors.NotFound) {
			return "", merrors.New(merrors.InvalidData, "Provider identity with entity_id %s and provider %s not found", entityID, provider)
		}
		return "", fmt.Errorf("reset password: %w", mapErr(err))
	}
	now := s.ext.now()
	tok, err := s.ext.tokens.Sign(ResetClaims{EntityID: entityID, Provider: provider, RegisteredClaims: jwt.RegisteredClaims{
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.ext.resetTTL)),
	}})
	if err != nil {
		return "", fmt.Errorf("reset password: %w", err)
	}
	if s.bus != nil {
		msg, err := events.New(PasswordResetEvent, map[string]string{"entity_id": entityID, "actor_type": actorType, "token": tok}, events.Metadata{Source: "auth", Object: "provider_identity", Action: "password_reset"})
		if err != nil {
			return "", fmt.Errorf("reset password: %w", err)
		}
		if err := s.bus.Emit(ctx, msg); err != nil {
			return "", fmt.Errorf("reset password: emit %s: %w", PasswordResetEvent, err)
		}
	}
	return tok, nil
}

// VerifyResetPasswordToken checks a reset-password token (HS256 with the JWT
// secret, not expired, issued for provider) and that its provider identity
// still exists, and returns its entity_id. Any failure is unauthorized
// "Invalid token".
func (s *Service) VerifyResetPasswordToken(ctx context.Context, provider, token string) (string, error) {
	invalid := merrors.New(merrors.Unauthorized, "Invalid token")
	if s.ext.tokens == nil {
		return "", errNoSecret
	}
	var c ResetClaims
	if err := s.ext.tokens.Parse(strings.TrimSpace(token), &c); err != nil {
		return "", invalid
	}
	if c.EntityID == "" || c.Provider != provider {
		return "", invalid
	}
	if _, err := s.Queries(ctx).ProviderIdentityByEntity(ctx, authdb.ProviderIdentityByEntityParams{EntityID: c.EntityID, Provider: provider}); err != nil {
		if merrors.Is(mapErr(err), merrors.NotFound) {
			return "", invalid
		}
		return "", fmt.Errorf("verify reset token: %w", mapErr(err))
	}
	return c.EntityID, nil
}
