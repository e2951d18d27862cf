package module

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/entity"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Module is one module of an application: a built-in module, a framework
// part or one of the application's own. Only Name is required.
type Module struct {
	// Name is the module's name and the name of its main container key
	// ("user", "blog"): a letter or '_', then letters, digits or '_'.
	Name string
	// Migrations are the module's migration sources, applied in order by
	// "db migrate" (and by dev/start) after those of the modules listed
	// before it.
	Migrations []migrate.Source
	// Options decodes the options the application gives the module (see
	// With): nil, a typed value, or a map[string]any as a configuration
	// file would give them. Its result is what Register reads with
	// OptionsOf. Nil means the module takes no options, and giving it some
	// is an error. TypedOptions builds one.
	Options func(given any) (any, error)
	// Register registers the module's services in h.Container. It runs in
	// list order, so it may resolve what earlier modules registered (lazily,
	// in a container.Provide factory, is best). It may add subscribers,
	// jobs and workflows built at run time through h.
	Register func(ctx context.Context, h *Host) error
	// Routes mounts the module's HTTP routes.
	Routes func(r *Router) error
	// Subscribers are the module's event subscribers.
	Subscribers []eventbus.Subscriber
	// Jobs are the module's scheduled jobs (run by working instances only).
	Jobs []jobs.Scheduled
	// Workflows are the module's workflows, registered with the engine so
	// that recovery can resume their interrupted runs.
	Workflows []workflows.Definition
	// OpenAPI is the module's OpenAPI document (JSON), merged into the one
	// the application serves.
	OpenAPI []byte
	// Entities describe the module's models for module links and Query
	// (a generated module's Entities).
	Entities []*entity.Entity
	// Links are the module links the module defines (Medusa's defineLink),
	// each stored in a link table that "db migrate" creates and changes.
	Links []*link.Definition
	// Disabled removes the module (and a built-in of the same name) from
	// the application, as Medusa's {disable: true}.
	Disabled bool

	given    any
	hasGiven bool
}

// With returns a copy of m that the application configures with options:
// the module's options type, a pointer to it, or a map[string]any
// ({"valid_duration": 3600}).
func (m Module) With(options any) Module {
	m.given, m.hasGiven = options, true
	return m
}

// Disable returns a module value that removes the module called name (a
// built-in one, say) from an application's list.
func Disable(name string) Module { return Module{Name: name, Disabled: true} }

var nameRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// ValidName reports an error unless name is a valid module name.
func ValidName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("invalid module name %q: module names must be alphanumeric and may contain an underscore", name)
	}
	return nil
}

// DecodeOptions validates m's name and decodes the options it was given,
// with errors that name the module.
func (m Module) DecodeOptions() (any, error) {
	if err := ValidName(m.Name); err != nil {
		return nil, err
	}
	if m.Options == nil {
		if m.hasGiven && m.given != nil {
			return nil, fmt.Errorf("module %s: takes no options, got %T", m.Name, m.given)
		}
		return nil, nil
	}
	o, err := m.Options(m.given)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", m.Name, err)
	}
	return o, nil
}

// Host is what a module's Register sees of the application.
type Host struct {
	// Container is the application's root container.
	Container *container.Container
	// Pool is the application's database pool.
	Pool *pgxpool.Pool
	// Settings are the application's settings (environment applied).
	Settings config.Config
	// Logger is the application's logger.
	Logger *slog.Logger
	// Getenv reads optional settings (os.Getenv unless the application
	// says otherwise).
	Getenv func(string) string

	module  string
	options any
	extra   *Module
}

// NewHost returns the host the application hands module m's Register, with
// m's decoded options. Subscribers, jobs and workflows added through it are
// appended to added.
func NewHost(base Host, m Module, options any, added *Module) *Host {
	h := base
	h.module, h.options, h.extra = m.Name, options, added
	return &h
}

// Module returns the name of the module being registered.
func (h *Host) Module() string { return h.module }

// Options returns the module's decoded options (nil when it takes none).
func (h *Host) Options() any { return h.options }

// Subscribe adds event subscribers built at run time.
func (h *Host) Subscribe(subs ...eventbus.Subscriber) {
	h.extra.Subscribers = append(h.extra.Subscribers, subs...)
}

// Schedule adds scheduled jobs built at run time.
func (h *Host) Schedule(js ...jobs.Scheduled) { h.extra.Jobs = append(h.extra.Jobs, js...) }

// AddWorkflows adds workflows to register with the engine.
func (h *Host) AddWorkflows(defs ...workflows.Definition) {
	h.extra.Workflows = append(h.extra.Workflows, defs...)
}

// OptionsOf returns the module's decoded options as a T; it fails when the
// module's Options decoder produced another type.
func OptionsOf[T any](h *Host) (T, error) {
	var zero T
	switch o := h.options.(type) {
	case T:
		return o, nil
	case nil:
		return zero, nil
	default:
		return zero, fmt.Errorf("module %s: options are %T, not %T", h.module, h.options, zero)
	}
}
