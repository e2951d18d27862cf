package events

// TxEmitter is implemented by a Bus whose Emit writes in the database
// transaction the context carries (a transactional outbox, such as
// framework/eventbus.Bus): emitting inside a transaction then stores the
// events if and only if the transaction commits.
//
// Services emit module events inside their transaction on such a bus
// (a crash between commit and emit cannot lose them), and after commit on
// any other bus (a rolled-back transaction must not emit).
type TxEmitter interface {
	EmitsInTx() bool
}

// EmitsInTx reports whether b declares that its Emit writes in the
// transaction the context carries.
func EmitsInTx(b Bus) bool {
	t, ok := b.(TxEmitter)
	return ok && t.EmitsInTx()
}
