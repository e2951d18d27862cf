package httpx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
)

var benchQueries = map[string]string{
	"empty":      "",
	"pagination": "limit=20&offset=40&order=-created_at",
	// What @medusajs/js-sdk sends (qs.stringify, indices, encoded brackets).
	"sdk_filters": "fields=%2Bmetadata%2C-avatar_url&limit=20&offset=0&order=-created_at&q=jo&email%5B%24in%5D%5B0%5D=a%40x.io&email%5B%24in%5D%5B1%5D=b%40x.io&created_at%5B%24gte%5D=2024-01-01T00%3A00%3A00.000Z",
	"and_or":      "$or[0][email]=a&$or[1][id][]=x,y&$and[0][created_at][$gte]=2024-01-01&email=z",
}

// BenchmarkParseQuery measures QuerySpec.ParseRaw on typical list queries.
func BenchmarkParseQuery(b *testing.B) {
	for _, name := range []string{"empty", "pagination", "sdk_filters", "and_or"} {
		raw := benchQueries[name]
		spec := listUsersQuery
		if name == "and_or" {
			spec = listInvitesQuery
		}
		if _, err := spec.ParseRaw(raw); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := spec.ParseRaw(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

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

// BenchmarkVerifyToken measures HS256 JWT verification.
func BenchmarkVerifyToken(b *testing.B) {
	a, _ := httpx.NewAuth(httpx.AuthConfig{JWTSecret: testSecret})
	tok, _ := a.IssueToken(httpx.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.VerifyToken(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStack measures one GET /admin/users through the whole test stack
// (request id, access log to a buffer, recover, body limit, scope, bearer
// auth, query parsing, JSON response), without network.
func BenchmarkStack(b *testing.B) {
	app := newTestApp(b, nil)
	tok := app.userToken(b)
	b.ReportAllocs()
	for b.Loop() {
		app.logs.Reset()
		req := httptest.NewRequest("GET", "/admin/users?limit=20&order=-created_at&email[$in][]=a,b", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		app.handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

// BenchmarkLimiterAllow measures one Allow over 10000 keys.
func BenchmarkLimiterAllow(b *testing.B) {
	l := httpx.NewLimiter(httpx.RateLimit{Burst: 1 << 30, Every: time.Second})
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprint("10.0.", i/256, ".", i%256)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(keys[i%len(keys)])
		i++
	}
}
