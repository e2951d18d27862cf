package user

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/medusa-go/medusa/framework/config"
	merrors "github.com/medusa-go/medusa/framework/errors"
)

// DefaultValidDuration is how long an invite is valid when valid_duration is
// not set: 86400 seconds, as in Medusa 2.12.
const DefaultValidDuration = 24 * time.Hour

// Options are the User Module's options (Medusa's module options
// jwt_secret, valid_duration, jwt_public_key, jwt_options).
type Options struct {
	// JWTSecret signs invite tokens with HS256 (required). With an
	// asymmetric Algorithm it holds the PEM private key instead, as in Medusa.
	JWTSecret string
	// JWTPublicKey is the PEM public key that verifies tokens signed with an
	// asymmetric Algorithm. Derived from the private key when empty.
	JWTPublicKey string
	// ValidDuration is the lifetime of an invite: both its expires_at and its
	// token's exp. Default 24 h.
	ValidDuration time.Duration
	// Algorithm is the signing algorithm: HS256 (default), HS384, HS512,
	// RS256, RS384, RS512, ES256, ES384, ES512. Tokens signed with any other
	// algorithm (including "none") are refused.
	Algorithm string
	// Issuer, if set, is written to and required in invite tokens.
	Issuer string
}

// MissingSecretMessage is Medusa's error when jwt_secret is absent.
const MissingSecretMessage = "No jwt_secret was provided in the UserModule's options. Please add one."

var allowedAlgs = map[string]bool{
	"HS256": true, "HS384": true, "HS512": true,
	"RS256": true, "RS384": true, "RS512": true,
	"ES256": true, "ES384": true, "ES512": true,
}

// OptionsFromMap reads options the way a Medusa config declares them:
// {"jwt_secret": "...", "valid_duration": 3600, "jwt_public_key": "...",
// "jwt_options": {"algorithm": "RS256", "issuer": "...", "expiresIn": "7d"}}.
// valid_duration is seconds (a number or a numeric string) or a duration
// such as "7d" or "12h". Unknown keys and wrong types are errors.
func OptionsFromMap(m map[string]any) (Options, error) {
	var o Options
	var unknown []string
	for k, v := range m {
		switch k {
		case "jwt_secret":
			s, ok := v.(string)
			if !ok {
				return Options{}, optErr("Expected type: 'string' for option 'jwt_secret', got: '%s'", kind(v))
			}
			o.JWTSecret = s
		case "jwt_public_key":
			s, ok := v.(string)
			if !ok {
				return Options{}, optErr("Expected type: 'string' for option 'jwt_public_key', got: '%s'", kind(v))
			}
			o.JWTPublicKey = s
		case "valid_duration":
			d, err := durationOption("valid_duration", v)
			if err != nil {
				return Options{}, err
			}
			o.ValidDuration = d
		case "jwt_options":
			jo, ok := v.(map[string]any)
			if !ok {
				return Options{}, optErr("Expected type: 'object' for option 'jwt_options', got: '%s'", kind(v))
			}
			for jk, jv := range jo {
				switch jk {
				case "algorithm":
					s, ok := jv.(string)
					if !ok {
						return Options{}, optErr("Expected type: 'string' for option 'jwt_options.algorithm', got: '%s'", kind(jv))
					}
					o.Algorithm = s
				case "issuer":
					s, ok := jv.(string)
					if !ok {
						return Options{}, optErr("Expected type: 'string' for option 'jwt_options.issuer', got: '%s'", kind(jv))
					}
					o.Issuer = s
				case "expiresIn":
					if o.ValidDuration == 0 && m["valid_duration"] == nil {
						d, err := durationOption("jwt_options.expiresIn", jv)
						if err != nil {
							return Options{}, err
						}
						o.ValidDuration = d
					}
				default:
					unknown = append(unknown, "jwt_options."+jk)
				}
			}
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Options{}, optErr("Unrecognized options of the user module: '%s'", strings.Join(unknown, "', '"))
	}
	return o, nil
}

func optErr(format string, args ...any) error {
	return merrors.New(merrors.InvalidData, format, args...)
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, float32, int, int64, int32, json.Number:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func durationOption(name string, v any) (time.Duration, error) {
	var secs float64
	switch x := v.(type) {
	case float64:
		secs = x
	case int:
		secs = float64(x)
	case int64:
		secs = float64(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return 0, optErr("Option '%s' must be a number of seconds or a duration like \"7d\"", name)
		}
		secs = f
	case string:
		d, err := config.ParseDuration(x)
		if err != nil {
			return 0, optErr("Option '%s' must be a number of seconds or a duration like \"7d\": %v", name, err)
		}
		return d, nil
	default:
		return 0, optErr("Expected type: 'number' for option '%s', got: '%s'", name, kind(v))
	}
	if secs <= 0 || math.IsNaN(secs) || secs > 10*365*24*3600 {
		return 0, optErr("Option '%s' must be a positive number of seconds (at most 10 years), got %v", name, v)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// keys are the parsed signing and verification keys of a set of Options.
type keys struct {
	method jwt.SigningMethod
	sign   any // []byte, *rsa.PrivateKey or *ecdsa.PrivateKey
	verify any // []byte, *rsa.PublicKey or *ecdsa.PublicKey
}

// prepare validates o, fills defaults and parses keys.
func (o Options) prepare() (Options, keys, error) {
	if strings.TrimSpace(o.JWTSecret) == "" {
		return o, keys{}, merrors.New(merrors.InvalidData, MissingSecretMessage)
	}
	if o.ValidDuration == 0 {
		o.ValidDuration = DefaultValidDuration
	}
	if o.ValidDuration < 0 {
		return o, keys{}, optErr("Option 'valid_duration' must be positive, got %s", o.ValidDuration)
	}
	if o.Algorithm == "" {
		o.Algorithm = "HS256"
	}
	if !allowedAlgs[o.Algorithm] {
		return o, keys{}, optErr("Unsupported jwt_options.algorithm %q: use one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512", o.Algorithm)
	}
	k := keys{method: jwt.GetSigningMethod(o.Algorithm)}
	switch o.Algorithm[:2] {
	case "HS":
		k.sign, k.verify = []byte(o.JWTSecret), []byte(o.JWTSecret)
	case "RS":
		priv, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(o.JWTSecret))
		if err != nil {
			return o, keys{}, optErr("jwt_secret must be a PEM RSA private key for %s: %v", o.Algorithm, err)
		}
		k.sign = priv
		var pub crypto.PublicKey = &priv.PublicKey
		if o.JWTPublicKey != "" {
			p, err := jwt.ParseRSAPublicKeyFromPEM([]byte(o.JWTPublicKey))
			if err != nil {
				return o, keys{}, optErr("jwt_public_key must be a PEM RSA public key: %v", err)
			}
			pub = p
		}
		k.verify = pub.(*rsa.PublicKey)
	case "ES":
		priv, err := jwt.ParseECPrivateKeyFromPEM([]byte(o.JWTSecret))
		if err != nil {
			return o, keys{}, optErr("jwt_secret must be a PEM EC private key for %s: %v", o.Algorithm, err)
		}
		k.sign = priv
		var pub crypto.PublicKey = &priv.PublicKey
		if o.JWTPublicKey != "" {
			p, err := jwt.ParseECPublicKeyFromPEM([]byte(o.JWTPublicKey))
			if err != nil {
				return o, keys{}, optErr("jwt_public_key must be a PEM EC public key: %v", err)
			}
			pub = p
		}
		k.verify = pub.(*ecdsa.PublicKey)
	}
	return o, k, nil
}
