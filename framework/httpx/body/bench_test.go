package body_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func metadataBody(n int) []byte {
	m := map[string]any{}
	for i := 0; i < n; i++ {
		m[fmt.Sprint("key_", i)] = strings.Repeat("v", 20)
	}
	body, _ := json.Marshal(map[string]any{"first_name": "Jane", "last_name": nil, "metadata": m})
	return body
}

// BenchmarkDecodeBody measures strict decoding (UTF-8 check, ordered tree,
// validation, then encoding/json into the struct) against plain
// encoding/json decoding of the same body.
func BenchmarkDecodeBody(b *testing.B) {
	small := []byte(`{"first_name":"Jane","last_name":null,"avatar_url":"https://x.io/a.png"}`)
	for _, c := range []struct {
		name string
		body []byte
	}{{"update_user_small", small}, {"update_user_1KB_metadata", metadataBody(30)}} {
		b.Run(c.name+"/strict", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if _, err := updateUser.DecodeBytes(c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/encoding_json_only", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				var v updateUserBody
				dec := json.NewDecoder(bytes.NewReader(c.body))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
