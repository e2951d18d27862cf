package httpx_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
)

func ExampleWriteError() {
	for _, err := range []error{
		merrors.New(merrors.NotFound, "User with id: user_1 was not found"),
		fmt.Errorf("internal detail: %w", errors.ErrUnsupported),
		httpx.ErrUnauthorized,
	} {
		rec := httptest.NewRecorder()
		httpx.WriteError(rec, httptest.NewRequest("GET", "/", nil), err)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 404 {"type":"not_found","message":"User with id: user_1 was not found"}
	// 500 {"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}
	// 401 {"message":"Unauthorized"}
}

// The middleware stack an application wraps its routes in, on a plain
// http.ServeMux (the first middleware is the outermost).
func ExampleChain() {
	root := container.New()
	logger := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /custom/hello", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"request_id": httpx.RequestID(r.Context()), "scoped": httpx.Scope(r) != nil})
	})
	h := httpx.Chain(mux,
		httpx.AssignRequestID(),     // x-request-id in/out (UUID v4 when absent or unsafe)
		httpx.AccessLog(logger),     // one slog line per request, secrets redacted
		httpx.Recover(),             // panic → 500 unknown_error, logged with stack
		httpx.LimitBody(0),          // 100 KiB (Express's default), 413 above
		httpx.ScopePerRequest(root), // httpx.Scope(r) = root.Scope()
	)

	req := httptest.NewRequest("GET", "/custom/hello", nil)
	req.Header.Set("X-Request-Id", "req-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("X-Request-Id"), rec.Body)
	// Output: 200 req-1 {"request_id":"req-1","scoped":true}
}
