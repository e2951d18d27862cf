package user

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// inviteClaims are the claims of an invite token: the invite id and email,
// a unique jti, iat and exp.
type inviteClaims struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	jwt.RegisteredClaims
}

// tokens signs and verifies invite tokens with the module's options.
type tokens struct {
	opts Options
	keys keys
	now  func() time.Time
}

func newTokens(o Options) (*tokens, error) {
	o, k, err := o.prepare()
	if err != nil {
		return nil, err
	}
	return &tokens{opts: o, keys: k, now: time.Now}, nil
}

func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40 // UUID v4
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sign returns a token for an invite and the instant it expires; exp and
// expires_at are the same instant (to the second).
func (t *tokens) sign(id, email string) (string, time.Time, error) {
	now := t.now().UTC().Truncate(time.Second)
	exp := now.Add(t.opts.ValidDuration)
	c := inviteClaims{ID: id, Email: email, RegisteredClaims: jwt.RegisteredClaims{
		ID:        newJTI(),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
		Issuer:    t.opts.Issuer,
	}}
	s, err := jwt.NewWithClaims(t.keys.method, c).SignedString(t.keys.sign)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign invite token: %w", err)
	}
	return s, exp, nil
}

// parse verifies a token's signature, algorithm and expiry and returns its
// claims. Errors are unauthorized, with jsonwebtoken's wording ("jwt
// malformed", "invalid signature", "jwt expired", "invalid algorithm").
func (t *tokens) parse(token string) (*inviteClaims, error) {
	return t.parseClaims(token, true)
}

// parseClaims is parse; with checkTimes false it verifies the signature,
// algorithm and issuer but not exp and iat, so the invite of an expired
// token can still be looked up (InviteTokenState).
func (t *tokens) parseClaims(token string, checkTimes bool) (*inviteClaims, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{t.opts.Algorithm})}
	if checkTimes {
		opts = append(opts, jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(t.now))
	} else {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	if t.opts.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(t.opts.Issuer))
	}
	if alg, ok := headerAlg(token); ok && alg != t.opts.Algorithm {
		return nil, merrors.New(merrors.Unauthorized, "invalid algorithm")
	}
	var c inviteClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.keys.verify, nil }, opts...)
	if err != nil {
		return nil, merrors.Wrap(merrors.Unauthorized, err, jwtMessage(err))
	}
	if !checkTimes && t.opts.Issuer != "" && c.Issuer != t.opts.Issuer {
		return nil, merrors.New(merrors.Unauthorized, "jwt issuer invalid")
	}
	if c.ID == "" {
		return nil, merrors.New(merrors.Unauthorized, "invalid token: no invite id")
	}
	return &c, nil
}

// headerAlg reads the alg of a token's header without trusting it; ok is
// false when the header cannot be read (the parser then reports "jwt
// malformed").
func headerAlg(token string) (string, bool) {
	head, _, found := strings.Cut(token, ".")
	if !found {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil {
		return "", false
	}
	return h.Alg, true
}

func jwtMessage(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "jwt malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if errors.Is(err, jwt.ErrTokenUnverifiable) {
			return "invalid algorithm"
		}
		return "invalid signature"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "invalid algorithm"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "jwt expired"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		return "jwt not active"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "jwt issuer invalid"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "jwt must have an expiry"
	}
	return "invalid token"
}

// sameToken compares a presented token with the stored one in constant time.
func sameToken(presented, stored string) bool {
	return len(presented) == len(stored) && subtle.ConstantTimeCompare([]byte(presented), []byte(stored)) == 1
}
