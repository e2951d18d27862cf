package cli

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

func TestPoolSize(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want int32
	}{
		{"postgres://u@localhost/db", serverMaxConns},
		{"postgres:///medusa?host=%2Ftmp%2Fsock&user=postgres", serverMaxConns},
		{"postgres://u@localhost/db?pool_max_conns=3", 3},
		{"postgresql://u@localhost/db?sslmode=disable&pool_max_conns=40", 40},
		{"host=localhost dbname=db", serverMaxConns},
		{"host=localhost dbname=db pool_max_conns=5", 5},
	} {
		cfg, err := pgxpool.ParseConfig(tc.url)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		poolSize(tc.url)(cfg)
		if cfg.MaxConns != tc.want {
			t.Errorf("%s: MaxConns %d, want %d", tc.url, cfg.MaxConns, tc.want)
		}
	}
}
