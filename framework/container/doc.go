// Package container is medusa-go's dependency container: services are
// registered under typed keys (Key[T] with a name such as "user") and
// resolved with no cast, the way Medusa code does
// container.resolve(Modules.USER).
//
// A root container lives for the process; Scope derives a per-request
// container that sees the root's registrations and keeps its own to itself.
// Provide registers a lazy singleton built on first use; factories resolve
// their dependencies with ResolveContext and the ctx they get, so that a
// dependency cycle fails with ErrCycle instead of deadlocking. Start and Stop run
// the registered values' Start and Stop methods (registration order, then
// reverse). A miss lists the registered keys and suggests the nearest one:
//
//	container: resolve "usr": not registered; did you mean "user"?; registered: user
//
// A Container is safe for concurrent use; resolving a root singleton costs
// about 20 ns and no allocation (see docs/perf/foundation.md).
package container
