// Package mw holds the optional HTTP middlewares that sit beside the core
// of framework/httpx: CORS (Medusa's admin/store/auth CORS with
// credentials), CSRF (net/http's cross-origin protection for requests
// authenticated by the session cookie), Limiter (an in-process, bounded
// token-bucket limiter for login and register, per client IP and per
// identifier, answering 429 with a Medusa-shaped body) and Overload (a
// bound on the requests in flight and waiting, shedding the rest with a
// 503).
//
// Each is an httpx.Middleware; compose them with httpx.Chain.
package mw
