package dashboard_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/medusa-go/medusa/framework/dashboard"
)

// Serve the dashboard under /app beside the API routes: every page path
// answers the same index, which loads the embedded scripts.
func Example() {
	h, err := dashboard.New(dashboard.Options{Path: "/app"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/app", h)
	mux.Handle("/app/", h)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/app/users", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("X-Frame-Options"))

	_, err = dashboard.New(dashboard.Options{Path: "/admin"})
	fmt.Println(err)
	// Output:
	// 200 text/html; charset=utf-8
	// DENY
	// dashboard: the admin path "/admin" is taken by the API (/admin); choose another, such as /app
}
