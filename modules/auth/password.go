package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// HashParams are scrypt's cost parameters. The defaults are Medusa's
// emailpass defaults (logN 15, r 8, p 1): 32 MiB of memory per hash.
type HashParams struct {
	LogN uint8
	R, P int
}

// DefaultHashParams are used when the module options set none.
var DefaultHashParams = HashParams{LogN: 15, R: 8, P: 1}

const (
	saltLen = 16
	keyLen  = 32
	// Bounds accepted when verifying a stored hash, so a corrupted or
	// planted hash cannot make a login burn unbounded memory or CPU.
	maxLogN = 20
	maxR    = 32
	maxP    = 16
)

var errBadHash = errors.New("password hash is malformed")

// HashPassword returns a self-describing scrypt hash:
// $scrypt$ln=15,r=8,p=1$<salt>$<key> (base64, no padding).
func HashPassword(password string, p HashParams) (string, error) {
	if p.LogN == 0 {
		p = DefaultHashParams
	}
	if p.LogN > maxLogN || p.R <= 0 || p.R > maxR || p.P <= 0 || p.P > maxP {
		return "", fmt.Errorf("hash password: scrypt parameters out of range (logN ≤ %d, r ≤ %d, p ≤ %d)", maxLogN, maxR, maxP)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key, err := scrypt.Key([]byte(password), salt, 1<<p.LogN, p.R, p.P, keyLen)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", p.LogN, p.R, p.P, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches hash, in constant time
// with respect to the key.
func VerifyPassword(password, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 5 || parts[0] != "" || parts[1] != "scrypt" {
		return false, errBadHash
	}
	var p HashParams
	for _, kv := range strings.Split(parts[2], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return false, errBadHash
		}
		switch k {
		case "ln":
			if n <= 0 || n > maxLogN {
				return false, errBadHash
			}
			p.LogN = uint8(n)
		case "r":
			p.R = n
		case "p":
			p.P = n
		default:
			return false, errBadHash
		}
	}
	if p.LogN == 0 || p.R <= 0 || p.R > maxR || p.P <= 0 || p.P > maxP {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[3])
	want, err2 := enc.DecodeString(parts[4])
	if err1 != nil || err2 != nil || len(salt) == 0 || len(want) == 0 {
		return false, errBadHash
	}
	got, err := scrypt.Key([]byte(password), salt, 1<<p.LogN, p.R, p.P, len(want))
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
