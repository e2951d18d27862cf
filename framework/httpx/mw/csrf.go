package mw

import (
	"net/http"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
)

// CSRF protects cookie-authenticated requests against cross-site request
// forgery with net/http's CrossOriginProtection: a state-changing request
// (not GET, HEAD or OPTIONS) that carries the session cookie cookieName
// and that the browser marks as cross-origin (Sec-Fetch-Site, or an Origin
// that is not the request's host) is refused with 403 and Medusa's error
// body, unless its Origin is one of trusted (the CORS origins of the
// application, same syntax as CORS: exact origins or delimited patterns).
//
// Requests without the session cookie pass untouched: a bearer token, an
// API key or a login body is never sent by a browser on its own, so there
// is nothing to forge, and clients that are not browsers (Medusa's JS SDK
// in Node, curl) send no Sec-Fetch-Site nor, usually, Origin. Place CSRF
// after CORS, so that preflight requests are answered first.
func CSRF(cookieName string, trusted ...string) httpx.Middleware {
	if cookieName == "" {
		cookieName = defaultSessionCookie
	}
	allowed := originMatcher(trusted)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, httpx.WithStatus(merrors.New(merrors.NotAllowed, "Cross-origin request refused: a request authenticated by the session cookie must come from the admin's own origin or an allowed CORS origin"), http.StatusForbidden))
	}))
	return func(next http.Handler) http.Handler {
		protected := cop.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := r.Cookie(cookieName); err != nil {
				next.ServeHTTP(w, r)
				return
			}
			if o := r.Header.Get("Origin"); o != "" && allowed(o) {
				next.ServeHTTP(w, r)
				return
			}
			protected.ServeHTTP(w, r)
		})
	}
}

// defaultSessionCookie is the session cookie's default name, Medusa's
// (httpauth.DefaultSessionCookie).
const defaultSessionCookie = "connect.sid"
