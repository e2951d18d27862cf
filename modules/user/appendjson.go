package user

import "github.com/medusa-go/medusa/framework/rt"

// AppendJSON appends what MarshalJSON returns to b, reading the fields in
// place through dest: MarshalJSON boxes every string, time and raw message
// it renders (four allocations per user), AppendJSON allocates nothing but
// b's growth. The list routes render their pages with it
// (modules/user/api/listjson.go; docs/perf/api.md).
//
// Hand-written rather than generated so that regenerating stays a no-op
// for the other modules; it belongs in modgen's model template once every
// module can be regenerated.
func (x *User) AppendJSON(b []byte) ([]byte, error) {
	return rt.AppendSelected(b, userFields, x.selected, x.dest)
}

// AppendJSON appends what MarshalJSON returns to b (see User.AppendJSON).
func (x *Invite) AppendJSON(b []byte) ([]byte, error) {
	return rt.AppendSelected(b, inviteFields, x.selected, x.dest)
}
