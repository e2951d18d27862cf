// Package module describes a medusa-go module as one value.
//
// A Module names the module and says everything the framework needs to run
// it: its migrations, how it reads its options and registers its services in
// the application's container, its HTTP routes, event subscribers, scheduled
// jobs and workflows, and its part of the OpenAPI document. The generator
// emits the value for generated modules (Generated() in the module's
// package); the built-in User and Auth modules and the framework's own parts
// (job engine, event bus, workflow engine, HTTP sessions, notifications) are
// module values too. An application lists module values once, in its
// app.Config; the CLI's dev, start and db commands take everything from that
// list.
//
// Routes have one signature, func(*Router) error, for every module and for
// the application's own routes. Routes under /admin require an authenticated
// user by default (bearer token, cookie session or secret API key), as in
// Medusa; a route opts out visibly with Public() or replaces the check with
// Authenticate(...). A later registration of the same method and path
// replaces an earlier one, which is how an application overrides a built-in
// route.
package module
