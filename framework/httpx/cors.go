package httpx

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
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
// refuse the response. origins are exact origins ("http://localhost:7001")
// or, written between slashes, regular expressions ("/\.example\.com$/"),
// as in Medusa's adminCors / storeCors / authCors settings (a comma-separated
// string can be split with strings.Split).
func CORS(origins ...string) (Middleware, error) {
	exact := map[string]bool{}
	var res []*regexp.Regexp
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if len(o) >= 2 && strings.HasPrefix(o, "/") && strings.HasSuffix(o, "/") {
			re, err := regexp.Compile(o[1 : len(o)-1])
			if err != nil {
				return nil, fmt.Errorf("httpx: cors origin %s: %w", o, err)
			}
			res = append(res, re)
			continue
		}
		exact[strings.TrimSuffix(o, "/")] = true
	}
	allowed := func(origin string) bool {
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
	}, nil
}
