package body_test

import (
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/httpx"
)

// FuzzDecodeBody checks that any body either decodes or fails with a 4xx
// invalid_data error; never a panic or a 5xx.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"first_name":"a","metadata":{"x":[1,{"y":null}]}}`, `{"first_name":1}`, `[]`, `{"name":"n","count":1,"active":true,"address":{"city":"c","tags":["a"],"raw":1}}`, "{\"a\":\"\xff\"}", `{"count":1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func([]byte) error{
			func(b []byte) error { _, err := updateUser.DecodeBytes(b); return err },
			func(b []byte) error { _, err := nestedBody.DecodeBytes(b); return err },
		} {
			err := decode(data)
			if err == nil {
				continue
			}
			status, eb := httpx.Status(err)
			if status != 400 || eb.Type != "invalid_data" || !strings.HasPrefix(eb.Message, "Invalid request: ") {
				t.Fatalf("%q: %d %+v", data, status, eb)
			}
		}
	})
}
