package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// ErrUnauthorized is rendered by WriteError as 401 with the exact body
// {"message":"Unauthorized"} (no type), which is what Medusa's auth
// middleware and the invite-accept route answer.
var ErrUnauthorized = errors.New("Unauthorized")

// statusError is an *merrors.Error whose HTTP status is fixed by the HTTP
// layer instead of derived from its type (413, 415, 429, and 400 for
// invalid_argument query errors).
type statusError struct {
	status  int
	err     *merrors.Error
	headers map[string]string
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// WithStatus returns err rendered by WriteError with the given status code
// instead of the one its type maps to. The body keeps err's type, code and
// message. errors.As(…, **merrors.Error) still finds err.
func WithStatus(err *merrors.Error, status int) error {
	return &statusError{status: status, err: err}
}

// Status returns the status code and body WriteError would send for err.
// A nil err yields 200 and an empty body.
func Status(err error) (int, merrors.Body) {
	if err == nil {
		return http.StatusOK, merrors.Body{}
	}
	if errors.Is(err, ErrUnauthorized) {
		return http.StatusUnauthorized, merrors.Body{Message: "Unauthorized"}
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status, merrors.Body{Code: se.err.Code, Type: string(se.err.Type), Message: se.err.Error()}
	}
	return merrors.HTTP(err)
}

// WriteError writes err as Medusa's error JSON ({code?, type, message}) with
// the status its type maps to (see merrors.HTTP). Errors that are not
// *merrors.Error become 500 unknown_error with a generic message; a
// transient failure (the database unreachable, a deadline passed, load
// shed) is 503 with a Retry-After header. The underlying error of every 5xx
// is logged, never sent: on the request's AccessLog line when AccessLog is
// installed (one line per failed request), else on a line of its own with
// the request id. ErrUnauthorized becomes 401 {"message":"Unauthorized"}.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := Status(err)
	if status >= 500 && !noteError(r.Context(), err) {
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		Logger(r.Context()).Log(r.Context(), level, "request failed",
			slog.String("request_id", RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.String("error", err.Error()))
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", RetryAfter(body.Code))
	}
	var se *statusError
	if errors.As(err, &se) {
		for k, v := range se.headers {
			w.Header().Set(k, v)
		}
	}
	if errors.Is(err, ErrUnauthorized) {
		WriteJSON(w, status, unauthorizedBody{Message: "Unauthorized"})
		return
	}
	WriteJSON(w, status, body)
}

type unauthorizedBody struct {
	Message string `json:"message"`
}

// WriteJSON writes v as JSON with the given status and
// "Content-Type: application/json; charset=utf-8". HTML characters are not
// escaped (as JSON.stringify does). If v cannot be encoded, a 500
// unknown_error body is sent instead and nothing of v leaks.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Error("httpx: encode response", slog.String("error", err.Error()))
		buf.Reset()
		buf.WriteString(`{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}`)
		status = http.StatusInternalServerError
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// invalid returns the invalid_data error Medusa's validators produce:
// "Invalid request: <msg>".

// RetryAfter is the Retry-After header (in seconds) WriteError sends with a
// 503 of the given code: 2 when the database is unavailable (a restart
// takes a second or two), 1 otherwise.
func RetryAfter(code string) string {
	if code == merrors.CodeDatabaseUnavailable {
		return "2"
	}
	return "1"
}

// TooManyRequests is the error of a rate-limited request: status 429, a
// Retry-After header (whole seconds, at least 1), and the body
// {"code":"too_many_requests","type":"not_allowed","message":"Too many requests, please try again later."}.
func TooManyRequests(retryAfter time.Duration) error {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	e := merrors.New(merrors.NotAllowed, "Too many requests, please try again later.").WithCode("too_many_requests")
	return &statusError{status: http.StatusTooManyRequests, err: e, headers: map[string]string{"Retry-After": strconv.Itoa(secs)}}
}
