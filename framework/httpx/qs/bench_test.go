package qs_test

import "testing"

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
