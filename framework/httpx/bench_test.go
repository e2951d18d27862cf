package httpx_test

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkStack measures one GET /admin/users through the whole test stack
// (request id, access log to a buffer, recover, body limit, scope, bearer
// auth, query parsing, JSON response), without network.
func BenchmarkStack(b *testing.B) {
	app := newTestApp(b, nil)
	tok := app.userToken(b)
	b.ReportAllocs()
	for b.Loop() {
		app.logs.Reset()
		req := httptest.NewRequest("GET", "/admin/users?limit=20&order=-created_at&email[$in][]=a,b", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		app.handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}
