// Package cli is medusa-go's command line as a library: an application's
// main hands its app.Config to Main, and every command works on that
// application's modules, routes, subscribers, jobs and workflows:
//
//	dev | start            serve (dev: embedded Postgres when DATABASE_URL is unset)
//	db migrate | rollback | status
//	user -e EMAIL -p PASSWORD [--invite]
//	generate [--check] [module...]
//	new module NAME | new app DIR
//
// cmd/medusa-go is one such application: the built-in modules only.
package cli
