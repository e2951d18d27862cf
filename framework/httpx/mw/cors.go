package mw

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/medusa-go/medusa/framework/httpx"
)

// corsMethods are the methods a preflight allows (the defaults of the cors
// package Medusa uses).
const corsMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// CORS answers cross-origin requests the way Medusa's admin, store and auth
// routers do (the cors package with credentials): a request whose Origin is
// allowed gets Access-Control-Allow-Origin set to that origin and
// Access-Control-Allow-Credentials: true; a preflight (OPTIONS with
// Access-Control-Request-Method) is answered 204 with the allowed methods
// and the requested headers. Other origins get no CORS headers, so browsers
// refuse the response.
//
// origins follow Medusa's adminCors / storeCors / authCors entries (split a
// comma-separated setting with strings.Split): an exact origin
// ("http://localhost:7001"), or a regular expression between one of the
// delimiters / ~ @ ; % # ' with optional flags i, m, s (u, g and y are
// ignored), such as "/^https:\/\/.+\.example\.com$/i". A pattern that
// does not compile (Go's RE2 has no look-arounds, for instance) is kept as
// a literal origin, as Medusa keeps invalid JavaScript patterns.
func CORS(origins ...string) httpx.Middleware {
	allowed := originMatcher(origins)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			h := w.Header()
			h.Add("Vary", "Origin")
			ok := origin != "" && allowed(origin)
			if ok {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				if ok {
					h.Set("Access-Control-Allow-Methods", corsMethods)
					if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
						h.Set("Access-Control-Allow-Headers", rh)
						h.Add("Vary", "Access-Control-Request-Headers")
					}
				}
				h.Set("Content-Length", "0")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// originMatcher reports whether an origin is one of origins (exact, or a
// delimited pattern: see CORS).
func originMatcher(origins []string) func(origin string) bool {
	exact := map[string]bool{}
	var res []*regexp.Regexp
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if re := corsPattern(o); re != nil {
			res = append(res, re)
			continue
		}
		exact[o] = true
	}
	return func(origin string) bool {
		if exact[origin] {
			return true
		}
		for _, re := range res {
			if re.MatchString(origin) {
				return true
			}
		}
		return false
	}
}

// corsPattern compiles a delimited pattern such as "/re/i" (Medusa's
// buildRegexpIfValid), or returns nil when s is not one.
func corsPattern(s string) *regexp.Regexp {
	if len(s) < 2 || !strings.ContainsRune("/~@;%#'", rune(s[0])) {
		return nil
	}
	// Only the last delimiter can be followed by nothing but flags.
	end := strings.LastIndexByte(s, s[0])
	if end == 0 {
		return nil
	}
	flags, seen := "", ""
	for _, f := range s[end+1:] {
		if !strings.ContainsRune("gimsuy", f) || strings.ContainsRune(seen, f) {
			return nil // not a flag, or a repeated one (invalid in JavaScript)
		}
		seen += string(f)
		if f == 'i' || f == 'm' || f == 's' {
			flags += string(f)
		}
	}
	expr := s[1:end]
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil
	}
	return re
}
