// Package linktest tests module links and Query end to end: the User Module
// and the blog test module (internal/testmodules/blog), related by links
// defined in its tests, on real Postgres. It holds only tests.
package linktest
