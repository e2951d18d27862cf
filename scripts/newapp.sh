#!/usr/bin/env bash
# scripts/newapp.sh — the numbers of an application made with "medusa-go new
# app" (docs/performance.md, "Applications"):
#
#  1. new app → a served custom module, the commands a new user types, with
#     warm build and module caches: medusa-go new app, go run . new module
#     blog, go run . generate, go run . dev (embedded Postgres, migrations),
#     until GET /admin/blogs answers (401: served, and protected). The first
#     run warms the caches and is printed apart; RUNS more are measured.
#  2. the application with the built-in modules plus two of its own (blog,
#     forum), built once: start to a healthy /health (startprobe, STARTS
#     starts) on a throwaway Postgres started from the local binaries.
#
# Everything listens on 127.0.0.1; every wait is bounded. Needs go, curl and
# the Postgres server binaries.
#
# Usage: scripts/newapp.sh            (from the repository root)
# Environment: RUNS (default 3), STARTS (default 20), PORT (default 9131), KEEP=1 keeps $WORK.
set -euo pipefail

RUNS=${RUNS:-3}
STARTS=${STARTS:-20}
PORT=${PORT:-9131}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/medusa-newapp.XXXXXX)
chmod 755 "$WORK" # the postgres OS user must reach the clusters when we run as root
PG_PID= DEV_PID=
cleanup() {
	set +e
	pkill -INT -f "/exe/(warm|app[0-9]+) dev" 2>/dev/null
	[ -n "$DEV_PID" ] && wait "$DEV_PID" 2>/dev/null
	[ -n "$PG_PID" ] && kill "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "newapp: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }

say "machine"
date -u '+%Y-%m-%d %H:%M:%S UTC'
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
go version
awk '{print "load average " $1 " " $2 " " $3}' /proc/loadavg

(cd "$ROOT" && go build -o "$WORK/medusa-go" ./cmd/medusa-go && go build -o "$WORK/pgserver" ./scripts/pgserver && go build -o "$WORK/startprobe" ./scripts/startprobe)

# one_run DIR: the commands of a new user, timed from the first to a served module.
one_run() {
	local dir=$1 t0 t1 code=000
	t0=$(now)
	"$WORK/medusa-go" new app --medusa "$ROOT" "$dir" >/dev/null
	(cd "$dir" && go run . new module blog >/dev/null && go run . generate >/dev/null)
	(cd "$dir" && exec go run . dev -H 127.0.0.1 -p "$PORT" >"$dir.dev.log" 2>&1) &
	DEV_PID=$!
	for _ in $(seq 1200); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/admin/blogs" || true)
		[ "$code" = 401 ] && break
		kill -0 "$DEV_PID" 2>/dev/null || break
		sleep 0.05
	done
	t1=$(now)
	[ "$code" = 401 ] || { echo "newapp: GET /admin/blogs answered $code" >&2; cat "$dir.dev.log" >&2; exit 1; }
	# go run does not pass SIGINT on: stop the application's binary itself
	# (go run names it after the directory), which stops its Postgres.
	pkill -INT -f "/exe/$(basename "$dir") dev" 2>/dev/null || true
	wait "$DEV_PID" 2>/dev/null || true
	DEV_PID=
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s\n", b - a }'
}

say "1. new app → GET /admin/blogs served (commands only)"
printf 'warm-up run: '
one_run "$WORK/warm"
for i in $(seq "$RUNS"); do
	printf 'run %d: ' "$i"
	one_run "$WORK/app$i"
done

say "2. built-in modules + blog + forum: start to healthy"
APP=$WORK/app1
(cd "$APP" && go run . new module forum >/dev/null && go run . generate >/dev/null && go build -o "$WORK/shop" .)
"$WORK/pgserver" -dir "$WORK/pg/data" -socket "$WORK/sock" >"$WORK/pg.url" 2>"$WORK/pgserver.log" &
PG_PID=$!
for _ in $(seq 600); do [ -s "$WORK/pg.url" ] && break; kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
[ -s "$WORK/pg.url" ] || { echo "newapp: Postgres did not start" >&2; cat "$WORK/pgserver.log" >&2; exit 1; }
export DATABASE_URL=$(cat "$WORK/pg.url")
export JWT_SECRET=newapp-jwt-secret-4f1c2a9e8b7d COOKIE_SECRET=newapp-cookie-secret-9a8b7c6d5e4f
(cd "$APP" && "$WORK/shop" db migrate | grep -c applied | awk '{print $1 " migrations applied (blog, forum and the built-in modules)"}')
"$WORK/startprobe" -addr "127.0.0.1:$PORT" -n "$STARTS" -settle 200ms -log "$WORK/startprobe.log" -- \
	"$WORK/shop" start -H 127.0.0.1 -p "$PORT"
