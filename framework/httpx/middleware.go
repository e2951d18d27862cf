package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx/internal/parse"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain wraps h with mw; the first middleware is the outermost (runs first).
func Chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
	scopeKey
	errorSlotKey
)

// RequestIDHeader is the header carrying the request id, in and out.
const RequestIDHeader = "X-Request-Id"

// DefaultBodyLimit is the request body limit used by DecodeBody and LimitBody
// when none is configured: 100 KiB, the default of Express's JSON parser.
const DefaultBodyLimit int64 = 100 << 10

// AssignRequestID takes the request id from the x-request-id header when it is
// a sane token (1 to 128 characters of [A-Za-z0-9._:-]), otherwise generates
// a UUID v4; stores it in the request context (see RequestID) and echoes it in
// the x-request-id response header.
func AssignRequestID() Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(RequestIDHeader)
			if !validRequestID(id) {
				id = NewUUID()
			}
			w.Header().Set(RequestIDHeader, id)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
		})
	}
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// RequestID returns the request id AssignRequestID stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// NewUUID returns a random (version 4) UUID in its canonical text form.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// Logger returns the logger AccessLog stored in ctx, or slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// responseRecorder remembers the status and the number of bytes written.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rr *responseRecorder) WriteHeader(code int) {
	if rr.status == 0 {
		rr.status = code
	}
	rr.ResponseWriter.WriteHeader(code)
}

func (rr *responseRecorder) Write(b []byte) (int, error) {
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	n, err := rr.ResponseWriter.Write(b)
	rr.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rr *responseRecorder) Unwrap() http.ResponseWriter { return rr.ResponseWriter }

func recorder(w http.ResponseWriter) *responseRecorder {
	if rr, ok := w.(*responseRecorder); ok {
		return rr
	}
	return &responseRecorder{ResponseWriter: w}
}

// AccessLog logs one line per request (level Info; Warn for 503, a
// transient failure the client is told to retry; Error for other 5xx) with
// method, path, query (secrets redacted, see RedactQuery), status, bytes,
// duration, client address and request id, and for a 5xx the error
// WriteError answered it with: a failed request is one line. It never logs
// headers, cookies or bodies. It also stores logger in the request context
// for Logger, WriteError and Recover.
func AccessLog(logger *slog.Logger) Middleware {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rr := recorder(w)
			slot := new(errorSlot)
			ctx := context.WithValue(context.WithValue(r.Context(), loggerKey, logger), errorSlotKey, slot)
			next.ServeHTTP(rr, r.WithContext(ctx))
			status := rr.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			switch {
			case status == http.StatusServiceUnavailable:
				level = slog.LevelWarn
			case status >= 500:
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("query", RedactQuery(r.URL.RawQuery)),
				slog.Int("status", status),
				slog.Int64("bytes", rr.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", remoteHost(r.RemoteAddr)),
				slog.String("request_id", RequestID(ctx)),
			}
			if slot.err != nil {
				attrs = append(attrs, slog.String("error", slot.err.Error()))
			}
			logger.LogAttrs(ctx, level, "http request", attrs...)
		})
	}
}

// errorSlot is where WriteError leaves a 5xx's error for the AccessLog
// line of its request.
type errorSlot struct{ err error }

// noteError leaves err for the request's AccessLog line and reports
// whether there is one.
func noteError(ctx context.Context, err error) bool {
	slot, ok := ctx.Value(errorSlotKey).(*errorSlot)
	if ok {
		slot.err = err
	}
	return ok
}

// sensitiveParam reports whether a query parameter's value must not be
// logged: names containing token, password, passwd, secret, apikey or
// api_key (token, access_token, invite_token, ...), and the names key, code,
// sig and signature.
func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range [...]string{"token", "password", "passwd", "secret", "apikey", "api_key"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	switch n {
	case "key", "code", "sig", "signature":
		return true
	}
	return false
}

// RedactQuery returns a raw query string with the values of sensitive
// parameters (see sensitiveParam: token, password, secret, ...) replaced by
// "REDACTED". Parameter names are compared after percent-decoding.
func RedactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		decoded, err := parse.QueryUnescape(name)
		if err != nil {
			decoded = name
		}
		if hasValue && sensitiveParam(decoded) {
			parts[i] = name + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

func remoteHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// Recover turns a panic in a handler into a 500 with Medusa's unknown_error
// body (when nothing was written yet) and logs the panic value and stack with
// the request id. http.ErrAbortHandler is re-panicked, as net/http expects.
func Recover() Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rr := recorder(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				Logger(r.Context()).ErrorContext(r.Context(), "panic in handler",
					slog.String("request_id", RequestID(r.Context())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())))
				if rr.status == 0 {
					_, body := merrors.HTTP(fmt.Errorf("panic"))
					WriteJSON(rr, http.StatusInternalServerError, body)
				}
			}()
			next.ServeHTTP(rr, r)
		})
	}
}

// LimitBody caps request bodies at n bytes (DefaultBodyLimit when n ≤ 0): a
// declared Content-Length above n is answered 413 at once; otherwise the body
// is wrapped in http.MaxBytesReader and DecodeBody answers 413 when the limit
// is hit while reading.
func LimitBody(n int64) Middleware {
	if n <= 0 {
		n = DefaultBodyLimit
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				WriteError(w, r, TooLarge(n))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TooLarge is the 413 error of a body over n bytes (LimitBody, body.Decode).
func TooLarge(n int64) error {
	return WithStatus(merrors.New(merrors.InvalidData, "Request body too large: the limit is %d bytes", n), http.StatusRequestEntityTooLarge)
}

// ScopePerRequest gives every request its own container scope, derived from
// root, reachable with Scope(r).
func ScopePerRequest(root *container.Container) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := context.WithValue(r.Context(), scopeKey, root.Scope())
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Scope returns the request's container scope set by ScopePerRequest, or nil
// when that middleware is not installed.
func Scope(r *http.Request) *container.Container {
	c, _ := r.Context().Value(scopeKey).(*container.Container)
	return c
}

// ForPrefix applies mw only to requests whose path is prefix or below it
// ("/admin" covers "/admin" and "/admin/users", not "/administrator"). Use
// it for middleware that must run before routing, such as CORS, whose
// preflight OPTIONS requests match no route:
//
//	h = httpx.Chain(mux, httpx.ForPrefix("/admin", mw.CORS(adminOrigins...)))
func ForPrefix(prefix string, mw Middleware) Middleware {
	prefix = strings.TrimSuffix(prefix, "/")
	return func(next http.Handler) http.Handler {
		wrapped := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			if p == prefix || strings.HasPrefix(p, prefix+"/") {
				wrapped.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ClientIP returns the host of r.RemoteAddr. Behind a reverse proxy, set
// RemoteAddr from the proxy's header in a middleware placed before the
// limiter; forwarded headers are not trusted here.
func ClientIP(r *http.Request) string { return remoteHost(r.RemoteAddr) }
