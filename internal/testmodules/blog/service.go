package blog

// This file is yours: medusa-go created it once and never overwrites it. Add
// hand-written service methods here (they see the generated ones: s.Tx for a
// transaction with sqlc's queries, s.Emit for module events, s.Queries for
// reads), and module options in extension.

// extension is the hand-written state of the Service (options, clients). Set
// it with your own Option values, e.g.
//
//	func WithSomething(v string) Option { return func(s *Service) { s.ext.something = v } }
type extension struct{}

// setup runs at the end of NewService, after the options; return an error to
// reject them.
func (extension) setup(*Service) error { return nil }
