package httpx

// keyed holds an object's members in the order they came, for the parsed
// JSON bodies (jnode) and query strings (qnode): that order decides the
// order of validation issues, as in Medusa.
type keyed[V any] struct {
	keys  []string
	vals  []V            // parallel to keys
	index map[string]int // for objects with more than smallObj keys
}

// smallObj is the size up to which object keys are searched linearly; larger
// objects get a map.
const smallObj = 8

// find returns the position of key k, or -1.
func (o *keyed[V]) find(k string) int {
	if o.index != nil {
		if i, ok := o.index[k]; ok {
			return i
		}
		return -1
	}
	for i, x := range o.keys {
		if x == k {
			return i
		}
	}
	return -1
}

// get returns the value under key k, or V's zero value.
func (o *keyed[V]) get(k string) V {
	if i := o.find(k); i >= 0 {
		return o.vals[i]
	}
	var zero V
	return zero
}

// add appends k (not already present) with value v.
func (o *keyed[V]) add(k string, v V) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	if o.index != nil {
		o.index[k] = len(o.keys) - 1
	} else if len(o.keys) > smallObj {
		o.index = make(map[string]int, len(o.keys)*2)
		for i, x := range o.keys {
			o.index[x] = i
		}
	}
}
