package jsonw

// Linked holds the records that Query attached to a row through module
// links, by relation name ("author", "posts"), in the order they were
// attached. A generated DTO carries one (its Linked field) and renders it
// after its own fields and relations. The zero Linked holds nothing and
// costs one pointer.
type Linked struct{ p *linked }

type linked struct {
	names []string
	vals  []LinkedValue
	// the first two entries, in the same allocation
	nbuf [2]string
	vbuf [2]LinkedValue
}

// LinkedValue is one linked record or list of records: One or Many.
type LinkedValue interface {
	// AppendJSON appends the value's JSON to b.
	AppendJSON(b []byte) ([]byte, error)
	// Value returns the record (a *T, nil when none) or the records (a []T).
	Value() any
}

// Set attaches v under name, replacing what name held.
func (l *Linked) Set(name string, v LinkedValue) {
	if l.p == nil {
		l.p = &linked{}
		l.p.names, l.p.vals = l.p.nbuf[:0], l.p.vbuf[:0]
	}
	for i, n := range l.p.names {
		if n == name {
			l.p.vals[i] = v
			return
		}
	}
	l.p.names = append(l.p.names, name)
	l.p.vals = append(l.p.vals, v)
}

// Get returns what name holds.
func (l Linked) Get(name string) (LinkedValue, bool) {
	if l.p == nil {
		return nil, false
	}
	for i, n := range l.p.names {
		if n == name {
			return l.p.vals[i], true
		}
	}
	return nil, false
}

// Names lists the attached names, in order.
func (l Linked) Names() []string {
	if l.p == nil {
		return nil
	}
	return l.p.names
}

// AppendJSON appends `,"name":value` for every attached name, for a
// generated AppendJSON to render before it closes its object.
func (l Linked) AppendJSON(b []byte) ([]byte, error) {
	if l.p == nil {
		return b, nil
	}
	var err error
	for i, n := range l.p.names {
		b = append(b, ',')
		b = AppendJSONString(b, n)
		b = append(b, ':')
		if b, err = l.p.vals[i].AppendJSON(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Appender is a generated DTO pointer: it renders its row's JSON.
type Appender[T any] interface {
	*T
	AppendJSON(b []byte) ([]byte, error)
}

// One is a linked record: V, or none when V is nil (rendered null).
type One[T any, P Appender[T]] struct{ V *T }

// AppendJSON implements LinkedValue.
func (o One[T, P]) AppendJSON(b []byte) ([]byte, error) { return AppendJSONOne[T, P](b, o.V) }

// Value implements LinkedValue: the *T.
func (o One[T, P]) Value() any { return o.V }

// Many is a list of linked records (rendered [] when empty).
type Many[T any, P Appender[T]] struct{ V []T }

// AppendJSON implements LinkedValue.
func (m Many[T, P]) AppendJSON(b []byte) ([]byte, error) { return AppendJSONList[T, P](b, m.V) }

// Value implements LinkedValue: the []T.
func (m Many[T, P]) Value() any { return m.V }

// AppendJSONOne appends v's JSON, or null when v is nil (a to-one
// relation).
func AppendJSONOne[T any, P Appender[T]](b []byte, v *T) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	return P(v).AppendJSON(b)
}

// AppendJSONList appends vs as a JSON array ([] when empty; a to-many
// relation).
func AppendJSONList[T any, P Appender[T]](b []byte, vs []T) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = P(&vs[i]).AppendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}
