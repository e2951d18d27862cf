package auth

// This file is yours: medusa-go created it once and never overwrites it. Add
// hand-written service methods here (they see the generated ones: s.Tx for a
// transaction with sqlc's queries, s.Emit for module events, s.Queries for
// reads), and module options in extension.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/sqlb"
	authdb "github.com/medusa-go/medusa/modules/auth/db"
)

// extension is the hand-written state of the Service: the emailpass
// provider's hash parameters and hashing budget, the signer of
// reset-password tokens and the dummy hash that unknown emails are verified
// against.
type extension struct {
	hash     HashParams
	budget   int64
	gate     *kdfGate
	secret   string
	tokens   *authtoken.Signer
	resetTTL time.Duration
	now      func() time.Time
	// dummy is a hash at the service's parameters; Authenticate verifies the
	// password against it when the email is unknown, so that an unknown
	// email costs the same hashing work as a wrong password.
	dummy       string
	dummyParsed parsedHash
}

// WithHashParams sets the emailpass provider's password hash parameters
// (DefaultHashParams, Argon2id m 7 MiB t 5 p 1, when unset; a value with
// only LogN, R and P set is scrypt, as before Argon2id). Existing hashes
// keep verifying with the parameters stored in them, and a successful login
// re-hashes them at these.
func WithHashParams(p HashParams) Option { return func(s *Service) { s.ext.hash = p } }

// WithHashMemoryBudget sets how much memory the Service's password hashes
// may use at once (DefaultHashMemoryBudget, 16 MiB, when unset): Register,
// Authenticate and UpdatePassword wait, in order and each until its
// context is done, while the hashes running take the budget. A hash needing
// more than the whole budget (e.g. a stored hash of larger parameters) runs
// alone.
func WithHashMemoryBudget(bytes int64) Option { return func(s *Service) { s.ext.budget = bytes } }

// WithJWTSecret sets the secret that signs and verifies reset-password
// tokens: the application's http JWT secret (JWT_SECRET), as in Medusa.
// Without it GenerateResetPasswordToken and VerifyResetPasswordToken fail.
func WithJWTSecret(secret string) Option { return func(s *Service) { s.ext.secret = secret } }

// WithClock sets the clock reset-password tokens are issued and checked
// with (time.Now); for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.ext.now = now } }

// Dummy hashes of random, forgotten passwords, at DefaultHashParams and at
// MedusaScryptParams, so that a service with either needs no hashing at
// start-up.
const (
	dummyHash       = "$argon2id$v=19$m=7168,t=5,p=1$UGpaVGowNEM3L3hBS3FzZA$REeEXzuDmHBvacvAWevCl0ULNGbPnvgm9YgcoOXKo6U"
	dummyHashScrypt = "$scrypt$ln=15,r=8,p=1$zO3MZ8c8aW1WOQ3hjTMBCg$zr6CK6rr79oskwsR4gwbpHLk6NLCZoceanSEuDMU3sw"
)

// setup checks the options, builds the hashing gate, the token signer and
// the dummy hash.
func (e *extension) setup(*Service) error {
	p, err := e.hash.normalize()
	if err != nil {
		return fmt.Errorf("auth: hash parameters: %w", err)
	}
	e.hash = p
	switch {
	case e.budget == 0:
		e.budget = DefaultHashMemoryBudget
	case e.budget < 0:
		return fmt.Errorf("auth: hash memory budget %d is negative", e.budget)
	}
	e.gate = newKDFGate(e.budget)
	if e.now == nil {
		e.now = time.Now
	}
	e.resetTTL = ResetPasswordTokenTTL
	switch e.hash {
	case DefaultHashParams:
		e.dummy = dummyHash
	case MedusaScryptParams:
		e.dummy = dummyHashScrypt
	default:
		h, err := hashAt("dummy password for unknown identities", e.hash)
		if err != nil {
			return err
		}
		e.dummy = h
	}
	if e.dummyParsed, err = parseHash(e.dummy); err != nil {
		return fmt.Errorf("auth: dummy hash: %w", err)
	}
	if e.secret != "" {
		a, err := authtoken.New(authtoken.Config{Secret: e.secret, ExpiresIn: e.resetTTL, Now: e.now})
		if err != nil {
			return err
		}
		e.tokens = a
	}
	return nil
}

// AppMetadata returns the app_metadata of an auth identity (an empty map
// when it is null). A missing identity fails with not_found "AuthIdentity
// with id: <id> was not found". Inside a transaction (ctx carries one, see
// db.InTx) the row is locked until it ends (SELECT … FOR UPDATE), so that a
// read-check-write such as "set-auth-app-metadata" (link an identity only
// once) cannot interleave with a concurrent one.
func (s *Service) AppMetadata(ctx context.Context, authIdentityID string) (map[string]any, error) {
	if _, inTx := db.TxFrom(ctx); inTx {
		raw, err := s.Queries(ctx).LockAuthIdentityAppMetadata(ctx, authIdentityID)
		if err != nil {
			if merrors.Is(mapErr(err), merrors.NotFound) {
				return nil, merrors.New(merrors.NotFound, "AuthIdentity with id: %s was not found", authIdentityID)
			}
			return nil, mapErr(err)
		}
		return decodeMetadata(raw)
	}
	ai, err := s.RetrieveAuthIdentity(ctx, authIdentityID, sqlb.FindConfig{Select: []string{"id", "app_metadata"}})
	if err != nil {
		return nil, err
	}
	return decodeMetadata(ai.AppMetadata)
}

// SetAppMetadata replaces the app_metadata of an auth identity with md (nil
// stores an empty object). A missing identity fails with not_found.
func (s *Service) SetAppMetadata(ctx context.Context, authIdentityID string, md map[string]any) error {
	if md == nil {
		md = map[string]any{}
	}
	raw, err := json.Marshal(md)
	if err != nil {
		return merrors.Wrap(merrors.InvalidData, err, "app_metadata must be JSON: "+err.Error())
	}
	return s.Tx(ctx, func(ctx context.Context, q *authdb.Queries) error {
		n, err := q.SetAuthIdentityAppMetadata(ctx, authdb.SetAuthIdentityAppMetadataParams{ID: authIdentityID, AppMetadata: raw})
		if err != nil {
			return err
		}
		if n == 0 {
			return merrors.New(merrors.NotFound, "AuthIdentity with id: %s was not found", authIdentityID)
		}
		s.Emit(ctx, Event(ModuleEventAuthIdentityUpdated, "auth_identity", "updated", map[string]any{"id": authIdentityID}))
		return nil
	})
}

// AuthIdentityIDsByAppMetadata returns the ids of the (not deleted) auth
// identities whose app_metadata[key] is the string value, ordered by id:
// how "remove-user-account" finds the identity of a user
// (app_metadata.user_id).
func (s *Service) AuthIdentityIDsByAppMetadata(ctx context.Context, key, value string) ([]string, error) {
	ids, err := s.Queries(ctx).AuthIdentityIDsByAppMetadata(ctx, authdb.AuthIdentityIDsByAppMetadataParams{Key: key, Value: value})
	if err != nil {
		return nil, mapErr(err)
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

func decodeMetadata(raw json.RawMessage) (map[string]any, error) {
	md := map[string]any{}
	if len(raw) == 0 || string(raw) == "null" {
		return md, nil
	}
	if err := json.Unmarshal(raw, &md); err != nil {
		return nil, fmt.Errorf("auth: app_metadata is not a JSON object: %w", err)
	}
	if md == nil {
		md = map[string]any{}
	}
	return md, nil
}

// stripSecrets removes provider_metadata.password from a provider identity:
// no method of the service returns a password hash.
func stripSecrets(p ProviderIdentity) ProviderIdentity {
	p.ProviderMetadata = withoutPassword(p.ProviderMetadata)
	return p
}

func stripAll(ps []ProviderIdentity) []ProviderIdentity {
	for i := range ps {
		ps[i] = stripSecrets(ps[i])
	}
	return ps
}

func withoutPassword(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return raw
	}
	var md map[string]json.RawMessage
	if err := json.Unmarshal(raw, &md); err != nil {
		// Not an object: it holds no password key, but do not echo
		// something unparsed either.
		return nil
	}
	if _, ok := md["password"]; !ok {
		return raw
	}
	delete(md, "password")
	out, err := json.Marshal(md)
	if err != nil {
		return nil
	}
	return out
}

// RetrieveProviderIdentity is the generated retrieve with
// provider_metadata.password removed.
func (s *Service) RetrieveProviderIdentity(ctx context.Context, id string, cfg ...sqlb.FindConfig) (ProviderIdentity, error) {
	p, err := s.retrieveProviderIdentity(ctx, id, cfg...)
	return stripSecrets(p), err
}

// ListProviderIdentities is the generated list with
// provider_metadata.password removed.
func (s *Service) ListProviderIdentities(ctx context.Context, f ProviderIdentityFilter, cfg ...sqlb.FindConfig) ([]ProviderIdentity, error) {
	ps, err := s.listProviderIdentities(ctx, f, cfg...)
	return stripAll(ps), err
}

// ListAndCountProviderIdentities is the generated list-and-count with
// provider_metadata.password removed.
func (s *Service) ListAndCountProviderIdentities(ctx context.Context, f ProviderIdentityFilter, cfg ...sqlb.FindConfig) ([]ProviderIdentity, int, error) {
	ps, n, err := s.listAndCountProviderIdentities(ctx, f, cfg...)
	return stripAll(ps), n, err
}

// CreateProviderIdentities is the generated create with
// provider_metadata.password removed from the returned rows (it is stored
// as given: callers hash passwords first, see Register).
func (s *Service) CreateProviderIdentities(ctx context.Context, in ...CreateProviderIdentityInput) ([]ProviderIdentity, error) {
	ps, err := s.createProviderIdentities(ctx, in...)
	return stripAll(ps), err
}

// UpdateProviderIdentities is the generated update with
// provider_metadata.password removed from the returned rows.
func (s *Service) UpdateProviderIdentities(ctx context.Context, in ...UpdateProviderIdentityInput) ([]ProviderIdentity, error) {
	ps, err := s.updateProviderIdentities(ctx, in...)
	return stripAll(ps), err
}
