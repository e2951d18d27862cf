package parse

// Keyed holds an object's members in the order they came, for the parsed
// JSON bodies (jnode) and query strings (qnode): that order decides the
// order of validation issues, as in Medusa.
type Keyed[V any] struct {
	Keys  []string
	Vals  []V            // parallel to Keys
	index map[string]int // for objects with more than smallObj keys
}

// smallObj is the size up to which object keys are searched linearly; larger
// objects get a map.
const smallObj = 8

// Find returns the position of key k, or -1.
func (o *Keyed[V]) Find(k string) int {
	if o.index != nil {
		if i, ok := o.index[k]; ok {
			return i
		}
		return -1
	}
	for i, x := range o.Keys {
		if x == k {
			return i
		}
	}
	return -1
}

// Get returns the value under key k, or V's zero value.
func (o *Keyed[V]) Get(k string) V {
	if i := o.Find(k); i >= 0 {
		return o.Vals[i]
	}
	var zero V
	return zero
}

// Add appends k (not already present) with value v.
func (o *Keyed[V]) Add(k string, v V) {
	o.Keys = append(o.Keys, k)
	o.Vals = append(o.Vals, v)
	if o.index != nil {
		o.index[k] = len(o.Keys) - 1
	} else if len(o.Keys) > smallObj {
		o.index = make(map[string]int, len(o.Keys)*2)
		for i, x := range o.Keys {
			o.index[x] = i
		}
	}
}
