package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Password hashing algorithms.
const (
	// AlgArgon2id is Argon2id (RFC 9106), the default: OWASP's first choice.
	AlgArgon2id = "argon2id"
	// AlgScrypt is scrypt (RFC 7914), Medusa's emailpass algorithm and this
	// module's default before argon2id; its hashes keep verifying.
	AlgScrypt = "scrypt"
)

// HashParams choose the algorithm and cost of new password hashes. A stored
// hash carries its own parameters, so changing them never invalidates
// stored hashes (a successful login re-hashes at the current ones).
type HashParams struct {
	// Algorithm is AlgArgon2id or AlgScrypt. Empty means AlgScrypt when
	// LogN, R or P is set (the form of these parameters before argon2id),
	// else DefaultHashParams.
	Algorithm string

	// Argon2id: Memory in KiB, Time (passes over it), Threads (lanes).
	Memory  uint32
	Time    uint32
	Threads uint8

	// scrypt: N = 2^LogN, block size R, parallelism P.
	LogN uint8
	R, P int
}

// DefaultHashParams are used when the module options set none: Argon2id
// with 7 MiB, 5 passes, 1 lane — the lowest-memory member of the OWASP
// Password Storage Cheat Sheet's Argon2id parameter sets (m=47104 t=1,
// m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5, p=1; "an equal level of
// defense", trading memory for passes). See docs/auth.md for the choice.
var DefaultHashParams = HashParams{Algorithm: AlgArgon2id, Memory: 7 * 1024, Time: 5, Threads: 1}

// MedusaScryptParams are Medusa's emailpass defaults (scrypt logN 15, r 8,
// p 1: 32 MiB per hash), this module's default before Argon2id. Hashes
// stored with them keep verifying; a successful login re-hashes them at the
// current parameters.
var MedusaScryptParams = HashParams{Algorithm: AlgScrypt, LogN: 15, R: 8, P: 1}

const (
	saltLen = 16
	keyLen  = 32
	// Bounds accepted when hashing and when verifying a stored hash, so a
	// corrupted or planted hash cannot make a login burn unbounded memory
	// or CPU.
	maxLogN    = 20
	maxR       = 32
	maxP       = 16
	maxTime    = 16
	maxThreads = 16
	// maxHashMemory bounds the memory of one hash (either algorithm).
	maxHashMemory = 256 << 20
)

var errBadHash = errors.New("password hash is malformed")

// normalize resolves an empty Algorithm and checks the bounds.
func (p HashParams) normalize() (HashParams, error) {
	if p.Algorithm == "" {
		switch {
		case p.LogN != 0 || p.R != 0 || p.P != 0:
			p.Algorithm = AlgScrypt
		case p == (HashParams{}):
			return DefaultHashParams, nil
		default:
			p.Algorithm = AlgArgon2id
		}
	}
	if err := p.check(); err != nil {
		return HashParams{}, err
	}
	return p, nil
}

func (p HashParams) check() error {
	switch p.Algorithm {
	case AlgArgon2id:
		if p.LogN != 0 || p.R != 0 || p.P != 0 {
			return fmt.Errorf("argon2id parameters with scrypt fields set (%+v)", p)
		}
		if p.Time == 0 || p.Time > maxTime || p.Threads == 0 || p.Threads > maxThreads ||
			p.Memory < 8*uint32(p.Threads) || int64(p.Memory)*1024 > maxHashMemory {
			return fmt.Errorf("argon2id parameters out of range (m %d KiB: at least 8 per thread, at most %d MiB; t 1-%d; p 1-%d)", p.Memory, maxHashMemory>>20, maxTime, maxThreads)
		}
	case AlgScrypt:
		if p.Memory != 0 || p.Time != 0 || p.Threads != 0 {
			return fmt.Errorf("scrypt parameters with argon2id fields set (%+v)", p)
		}
		if p.LogN == 0 || p.LogN > maxLogN || p.R <= 0 || p.R > maxR || p.P <= 0 || p.P > maxP ||
			p.memory() > maxHashMemory {
			return fmt.Errorf("scrypt parameters out of range (logN 1-%d, r 1-%d, p 1-%d, 128·r·2^logN at most %d MiB)", maxLogN, maxR, maxP, maxHashMemory>>20)
		}
	default:
		return fmt.Errorf("unknown password hash algorithm %q (want %q or %q)", p.Algorithm, AlgArgon2id, AlgScrypt)
	}
	return nil
}

// memory is the memory one hash at p allocates, in bytes (the working
// buffer; the few KiB around it are left out): Argon2id's m KiB, scrypt's
// 128·r·N for its V array plus 128·r·p for B.
func (p HashParams) memory() int64 {
	switch p.Algorithm {
	case AlgArgon2id:
		return int64(p.Memory) * 1024
	case AlgScrypt:
		return 128*int64(p.R)<<p.LogN + 128*int64(p.R)*int64(p.P)
	}
	return 0
}

// prefix is the start of every hash at p, up to the salt.
func (p HashParams) prefix() string {
	if p.Algorithm == AlgArgon2id {
		return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$", argon2.Version, p.Memory, p.Time, p.Threads)
	}
	return fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$", p.LogN, p.R, p.P)
}

func (p HashParams) key(password string, salt []byte, n int) ([]byte, error) {
	if p.Algorithm == AlgArgon2id {
		return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(n)), nil
	}
	return scrypt.Key([]byte(password), salt, 1<<p.LogN, p.R, p.P, n)
}

// HashPassword returns a self-describing hash of password: for Argon2id the
// PHC string format of the reference implementation,
// $argon2id$v=19$m=7168,t=5,p=1$<salt>$<key>; for scrypt
// $scrypt$ln=15,r=8,p=1$<salt>$<key> (base64 without padding, 16-byte
// random salt, 32-byte key). Zero params mean DefaultHashParams.
// HashPassword does not wait for the Service's hashing budget; the
// Service's own methods do.
func HashPassword(password string, p HashParams) (string, error) {
	p, err := p.normalize()
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hashAt(password, p)
}

// hashAt hashes with normalized params.
func hashAt(password string, p HashParams) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key, err := p.key(password, salt, keyLen)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	enc := base64.RawStdEncoding
	return p.prefix() + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key), nil
}

// VerifyPassword reports whether password matches hash (Argon2id or scrypt,
// with the parameters stored in it; or a hash of Medusa's emailpass
// provider, the base64 scrypt-kdf format), in constant time with respect to the
// key. A malformed hash, or one whose parameters are out of bounds, is an
// error and is not computed. VerifyPassword does not wait for the Service's
// hashing budget; the Service's own methods do.
func VerifyPassword(password, hash string) (bool, error) {
	h, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	return h.verify(password)
}

// parsedHash is a stored hash taken apart.
type parsedHash struct {
	params    HashParams
	salt, key []byte
	// kdfHeader is set for a Medusa (scrypt-kdf) hash: its first 64 bytes,
	// which key is the HMAC of (see parseScryptKDF).
	kdfHeader []byte
}

// medusa reports whether h is in Medusa's scrypt-kdf format, which a
// successful login replaces with this module's own.
func (h parsedHash) medusa() bool { return h.kdfHeader != nil }

func (h parsedHash) verify(password string) (bool, error) {
	if h.medusa() {
		// The scrypt key is 64 bytes; its second half keys an
		// HMAC-SHA256 of the header, which is what the hash stores.
		dk, err := h.params.key(password, h.salt, 64)
		if err != nil {
			return false, fmt.Errorf("verify password: %w", err)
		}
		mac := hmac.New(sha256.New, dk[32:])
		mac.Write(h.kdfHeader)
		return subtle.ConstantTimeCompare(mac.Sum(nil), h.key) == 1, nil
	}
	got, err := h.params.key(password, h.salt, len(h.key))
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	return subtle.ConstantTimeCompare(got, h.key) == 1, nil
}

// scryptKDFLen is the length of a Medusa password hash once base64-decoded.
const scryptKDFLen = 96

// parseScryptKDF reads a password hash in the format Medusa's emailpass
// provider stores: the base64 of the 96 bytes the scrypt-kdf npm package
// produces, which is Colin Percival's scrypt header — "scrypt", a version
// byte 0, logN (1 byte), r and p (big-endian uint32), a 32-byte salt, the
// first 16 bytes of the SHA-256 of those 48 bytes (a checksum) — followed
// by the HMAC-SHA256 of those 64 bytes keyed with the second half of the
// 64-byte scrypt key of the password. A wrong length, magic, version or
// checksum, or parameters beyond this module's bounds, make it malformed.
func parseScryptKDF(hash string) (parsedHash, error) {
	raw, err := base64.StdEncoding.DecodeString(hash)
	if err != nil || len(raw) != scryptKDFLen || !bytes.HasPrefix(raw, []byte("scrypt\x00")) {
		return parsedHash{}, errBadHash
	}
	if subtle.ConstantTimeCompare(scryptKDFChecksum(raw), raw[48:64]) != 1 {
		return parsedHash{}, errBadHash
	}
	r, p := binary.BigEndian.Uint32(raw[8:12]), binary.BigEndian.Uint32(raw[12:16])
	if r > maxR || p > maxP {
		return parsedHash{}, errBadHash
	}
	h := parsedHash{
		params:    HashParams{Algorithm: AlgScrypt, LogN: raw[7], R: int(r), P: int(p)},
		salt:      raw[16:48],
		key:       raw[64:],
		kdfHeader: raw[:64],
	}
	if h.params.check() != nil {
		return parsedHash{}, errBadHash
	}
	return h, nil
}

// scryptKDFChecksum is the checksum of a scrypt-kdf header (the first 48
// bytes of raw): the first 16 bytes of their SHA-256.
func scryptKDFChecksum(raw []byte) []byte {
	sum := sha256.Sum256(raw[:48])
	return sum[:16]
}

// parseHash reads any of the formats (this module's Argon2id and scrypt
// strings, Medusa's scrypt-kdf) and checks the parameters' bounds.
func parseHash(hash string) (parsedHash, error) {
	if !strings.HasPrefix(hash, "$") {
		return parseScryptKDF(hash)
	}
	parts := strings.Split(hash, "$")
	if len(parts) < 5 || parts[0] != "" {
		return parsedHash{}, errBadHash
	}
	var h parsedHash
	var fields []string
	switch {
	case parts[1] == AlgScrypt && len(parts) == 5:
		h.params.Algorithm = AlgScrypt
		fields = parts[2:]
	case parts[1] == AlgArgon2id && len(parts) == 6:
		if parts[2] != "v="+strconv.Itoa(argon2.Version) {
			return parsedHash{}, errBadHash
		}
		h.params.Algorithm = AlgArgon2id
		fields = parts[3:]
	default:
		return parsedHash{}, errBadHash
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(fields[0], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || seen[k] || v != strconv.FormatUint(n, 10) {
			return parsedHash{}, errBadHash
		}
		seen[k] = true
		switch {
		case h.params.Algorithm == AlgScrypt && k == "ln" && n <= maxLogN:
			h.params.LogN = uint8(n)
		case h.params.Algorithm == AlgScrypt && k == "r" && n <= maxR:
			h.params.R = int(n)
		case h.params.Algorithm == AlgScrypt && k == "p" && n <= maxP:
			h.params.P = int(n)
		case h.params.Algorithm == AlgArgon2id && k == "m":
			h.params.Memory = uint32(n)
		case h.params.Algorithm == AlgArgon2id && k == "t":
			h.params.Time = uint32(n)
		case h.params.Algorithm == AlgArgon2id && k == "p" && n <= maxThreads:
			h.params.Threads = uint8(n)
		default:
			return parsedHash{}, errBadHash
		}
	}
	if len(seen) != 3 || h.params.check() != nil {
		return parsedHash{}, errBadHash
	}
	enc := base64.RawStdEncoding
	var err1, err2 error
	h.salt, err1 = enc.DecodeString(fields[1])
	h.key, err2 = enc.DecodeString(fields[2])
	if err1 != nil || err2 != nil || len(h.salt) == 0 || len(h.key) == 0 || len(h.key) > 128 {
		return parsedHash{}, errBadHash
	}
	if h.params.Algorithm == AlgArgon2id && (len(h.salt) < 8 || len(h.key) < 4) {
		return parsedHash{}, errBadHash // RFC 9106's minimums
	}
	return h, nil
}
