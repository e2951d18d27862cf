#!/usr/bin/env bash
# scripts/loadtest.sh — reproduces every number of docs/perf/api.md (issue 6,
# "Numbers"): GET /admin/users and POST /admin/invites with wrk on loopback
# (10 connections), start to a healthy /health (startprobe and hyperfine),
# and the server's resident memory (VmRSS/VmHWM from /proc).
#
# It builds the binary, starts a throwaway Postgres with framework/pgembed
# (default server settings, fsync on; cluster under $WORK) unless
# DATABASE_URL is set, migrates, creates an admin with the CLI, logs in,
# seeds $USERS users, runs the measurements and prints the results. Everything
# listens on 127.0.0.1 only; every run is bounded.
#
# Usage: scripts/loadtest.sh            (from the repository root)
# Environment:
#   DATABASE_URL  use this (empty or migrated) database instead of a throwaway server;
#                 the script adds users and invites to it
#   DURATION      wrk duration of one run (default 15s)
#   RUNS          wrk runs per route (default 3)
#   CONNS         wrk connections (default 10); THREADS wrk threads (default 2)
#   USERS         users seeded for the list (default 1000)
#   STARTS        starts measured by startprobe and hyperfine (default 20)
#   PORT          the server's port (default 9123)
#   SERVER_GOMEMLIMIT, SERVER_GOGC  GOMEMLIMIT / GOGC for the server process only (default: unset)
#   PG_SET        extra Postgres settings for the throwaway server, e.g. "fsync=off synchronous_commit=off"
#   PROFILE=1     build with -tags pprof and save a 10 s CPU profile of each route under $WORK
#   KEEP=1        keep $WORK (logs, profiles) after the run
#   ROUTES        which routes to load: "list-users", "create-invites" or both
#                 (default "list-users create-invites"); STARTS=0 skips the start measurements
#   BURST         concurrent logins per login burst (default 20; 0 skips the bursts)
#
# After each POST /admin/invites run the script waits until the run's event
# deliveries (one invite e-mail per invite, sent by the log provider) are
# done and prints the sustained rate: requests / (run time + that wait).
#
# Login bursts (after the list and invite runs, BURST > 0): BURST identities
# are registered over the API one by one, then BURST parallel
# POST /auth/user/emailpass go out at once (a third each: right password,
# wrong password, unknown email), first with the server otherwise idle, then
# in the middle of a DURATION wrk run of GET /admin/users. Each request comes
# from its own loopback address (127.0.<round>.<n>, curl --interface) and
# each identity is used at most 3 times, so the per-IP and per-email login
# limits do not refuse any of them (every answer is checked: 200 or 401).
# The server's VmHWM is reset (/proc/<pid>/clear_refs) before each burst when
# the kernel allows it, so the peak printed after a burst is that phase's.
# Bounded: 3 x BURST requests, each with a 30 s curl timeout.
# Needs: go, wrk, hyperfine, curl, psql, Postgres server binaries (for the throwaway server).
set -euo pipefail

DURATION=${DURATION:-15s}
RUNS=${RUNS:-3}
CONNS=${CONNS:-10}
THREADS=${THREADS:-2}
USERS=${USERS:-1000}
STARTS=${STARTS:-20}
PORT=${PORT:-9123}
ROUTES=${ROUTES:-list-users create-invites}
BURST=${BURST:-20}
ADDR=127.0.0.1:$PORT
PPROF_ADDR=127.0.0.1:$((PORT + 1))

ROOT=$(cd "$(dirname "$0")/.." && pwd)
for tool in go wrk hyperfine curl psql; do
	command -v "$tool" >/dev/null || { echo "loadtest: $tool is not installed (apt-get install -y wrk hyperfine curl postgresql-client)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/medusa-loadtest.XXXXXX)
chmod 755 "$WORK" # the postgres OS user must reach the cluster when we run as root
PG_PID= SERVER_PID=
cleanup() {
	set +e
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	[ -n "$PG_PID" ] && kill "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "loadtest: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
load() { awk '{print "load average " $1 " " $2 " " $3}' /proc/loadavg; }

say "machine"
date -u '+%Y-%m-%d %H:%M:%S UTC'
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
go version
load

say "build"
tags=()
[ "${PROFILE:-0}" = 1 ] && tags=(-tags pprof)
(cd "$ROOT" && go build "${tags[@]}" -o "$WORK/medusa-go" ./cmd/medusa-go && go build -o "$WORK/pgserver" ./scripts/pgserver && go build -o "$WORK/startprobe" ./scripts/startprobe)
ls -l "$WORK/medusa-go" | awk '{print "binary " $5 " bytes"}'

# The Go runtime settings meant for the server only (the go tool must not get them).
server_env=()
[ -n "${SERVER_GOMEMLIMIT:-}" ] && server_env+=("GOMEMLIMIT=$SERVER_GOMEMLIMIT")
[ -n "${SERVER_GOGC:-}" ] && server_env+=("GOGC=$SERVER_GOGC")
if [ ${#server_env[@]} -gt 0 ]; then echo "server environment: ${server_env[*]}"; fi
export JWT_SECRET=loadtest-jwt-secret-4f1c2a9e8b7d COOKIE_SECRET=loadtest-cookie-secret-9a8b7c6d5e4f
if [ -z "${DATABASE_URL:-}" ]; then
	say "throwaway Postgres (framework/pgembed)"
	set_args=()
	for kv in ${PG_SET:-}; do set_args+=(-set "$kv"); done
	"$WORK/pgserver" -dir "$WORK/pg/data" -socket "$WORK/sock" "${set_args[@]}" >"$WORK/pg.url" 2>"$WORK/pgserver.log" &
	PG_PID=$!
	for _ in $(seq 600); do [ -s "$WORK/pg.url" ] && break; kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
	[ -s "$WORK/pg.url" ] || { echo "loadtest: Postgres did not start:" >&2; cat "$WORK/pgserver.log" "$WORK/pg/postgres.log" >&2 || true; exit 1; }
	export DATABASE_URL=$(cat "$WORK/pg.url")
	psql -X -qAt "$DATABASE_URL" -c 'SELECT version()'
	echo "settings: defaults of initdb${PG_SET:+, plus $PG_SET}; $(psql -X -qAt "$DATABASE_URL" -c "SELECT string_agg(name || '=' || setting, ' ') FROM pg_settings WHERE name IN ('fsync','synchronous_commit','shared_buffers','max_connections','wal_level')")"
else
	say "Postgres from DATABASE_URL"
	psql -X -qAt "$DATABASE_URL" -c 'SELECT version()'
fi

say "migrate, admin, seed"
"$WORK/medusa-go" db migrate >/dev/null
ADMIN_EMAIL=admin-$(date +%s)@loadtest.example
"$WORK/medusa-go" user -e "$ADMIN_EMAIL" -p loadtest-password
psql -X -q "$DATABASE_URL" -v ON_ERROR_STOP=1 -v n="$USERS" <<'SQL'
INSERT INTO "user" (id, email, first_name, last_name)
SELECT 'user_LT' || lpad(g::text, 21, '0'), 'seed' || g || '@loadtest.example', 'First' || g, 'Last' || g
FROM generate_series(1, :n) g
WHERE NOT EXISTS (SELECT 1 FROM "user" u WHERE u.email = 'seed' || g || '@loadtest.example' AND u.deleted_at IS NULL);
SQL
# Analyze now, so that autovacuum's first pass over the fresh tables does not
# run during the measurements.
psql -X -q "$DATABASE_URL" -c 'VACUUM ANALYZE' -c 'CHECKPOINT'
psql -X -qAt "$DATABASE_URL" -c "SELECT format('%s users, %s invites', (SELECT count(*) FROM \"user\" WHERE deleted_at IS NULL), (SELECT count(*) FROM invite))"

# start_server starts medusa-go start in the background and waits for /health.
start_server() {
	env "${server_env[@]}" PPROF_ADDR="$PPROF_ADDR" "$WORK/medusa-go" start -H 127.0.0.1 -p "$PORT" >>"$WORK/server.out" 2>>"$WORK/server.log" &
	SERVER_PID=$!
	for _ in $(seq 300); do curl -fs "http://$ADDR/health" >/dev/null && return 0; sleep 0.05; done
	echo "loadtest: the server did not become healthy; log:" >&2
	tail -20 "$WORK/server.log" >&2
	exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=; }
# mem prints the server's peak (VmHWM) and current resident memory, and
# the part of the latter in anonymous pages (heap, stacks: what GOMEMLIMIT
# covers) and in file pages (the binary's code and data).
mem() { awk '/^VmRSS|^VmHWM|^RssAnon|^RssFile/ {printf "%s %.1f MB  ", $1, $2/1024} END {print ""}' "/proc/$SERVER_PID/status"; }
# cpu_ticks prints the server's user+system clock ticks, and the machine's
# busy and total ticks over all cores (/proc/stat: everything but idle and
# iowait is busy), so a run shows how much of the machine the server took
# and whether the machine was saturated (Postgres, wrk, other work).
cpu_ticks() {
	local s
	s=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
	awk -v s="$s" '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print s, t - $5 - $6, t}' /proc/stat
}

if [ "$STARTS" -gt 0 ]; then
	say "start to healthy /health (existing, migrated database; medusa-go start)"
	load
	"$WORK/startprobe" -addr "$ADDR" -n "$STARTS" -settle 2s -log "$WORK/startprobe.log" -- \
		env "${server_env[@]}" "$WORK/medusa-go" start -H 127.0.0.1 -p "$PORT"
	echo "hyperfine: process start, poll /health every 1 ms until 200, SIGTERM, wait for exit"
	hyperfine --style basic -N --warmup 2 --runs "$STARTS" \
		"$WORK/startprobe -addr $ADDR -n 1 -- env ${server_env[*]} $WORK/medusa-go start -H 127.0.0.1 -p $PORT"
fi

say "login"
start_server
sleep 2
echo "idle 2 s after start, before any request: $(mem)"
TOKEN=$(curl -fs -X POST "http://$ADDR/auth/user/emailpass" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"loadtest-password\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "loadtest: login failed" >&2; exit 1; }
export TOKEN
echo "GET /admin/users answers $(curl -fs -H "Authorization: Bearer $TOKEN" "http://$ADDR/admin/users" | wc -c) bytes: $(curl -fs -H "Authorization: Bearer $TOKEN" "http://$ADDR/admin/users" | grep -o '"count":[0-9]*,"limit":[0-9]*')"
echo "after one login (one password hash; Argon2id 7 MiB since 2026-11-27, scrypt 32 MiB before): $(mem)"

# bench NAME LUA: RUNS wrk runs of DURATION, each with the load average
# before it and the CPU seconds of the server and Postgres during it.
bench() {
	local name=$1 lua=$2 i hz s0 b0 t0 s1 b1 t1
	hz=$(getconf CLK_TCK)
	# A 3 s warm-up (connections, statement caches, heap), not reported.
	RUN_ID=w$(date +%s%N) wrk -t"$THREADS" -c"$CONNS" -d3s -s "$lua" "http://$ADDR" >/dev/null
	for i in $(seq "$RUNS"); do
		echo "-- $name run $i/$RUNS ($(load))"
		read -r s0 b0 t0 < <(cpu_ticks)
		RUN_ID=$(date +%s%N) wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 5s --latency -s "$lua" "http://$ADDR" >"$WORK/wrk.out"
		grep -E 'Requests/sec|^ +(50|90|99)%|Latency  |requests in|non-200|Socket errors' "$WORK/wrk.out"
		read -r s1 b1 t1 < <(cpu_ticks)
		echo "   CPU during the run: server $(((s1 - s0) / hz)).$(((s1 - s0) % hz * 10 / hz))s ($(((s1 - s0) * 100 / (t1 - t0)))% of the machine), machine busy $(((b1 - b0) * 100 / (t1 - t0)))% of $(nproc) cores; $(mem)"
		if [ "$name" = create-invites ]; then drain; fi
	done
	if [ "${PROFILE:-0}" = 1 ]; then
		RUN_ID=p$(date +%s%N) wrk -t"$THREADS" -c"$CONNS" -d12s -s "$lua" "http://$ADDR" >/dev/null &
		sleep 1
		curl -fs -o "$WORK/cpu-$name.pprof" "http://$PPROF_ADDR/debug/pprof/profile?seconds=10"
		wait $!
		echo "   profile: go tool pprof -top $WORK/medusa-go $WORK/cpu-$name.pprof"
	fi
}

# drain prints the event deliveries (invite.created -> the invite e-mail
# subscriber) still pending when a wrk run ends, waits until none is left
# (bounded: 120 s) and prints the rate the run sustained counting that time:
# requests / (run time + drain time). Pending: direct deliveries in
# event_bus_outbox plus unfinished River jobs of the event bus.
drain() {
	# (event_bus_outbox exists from eventbus migration 0002 on; older builds have none)
	local q="SELECT CASE WHEN to_regclass('event_bus_outbox') IS NULL THEN 0 ELSE (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM event_bus_outbox', false, true, '')))[1]::text::int END
		+ (SELECT count(*) FROM river_job WHERE kind = 'medusa_event' AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))"
	local n0 n start end reqs secs
	n0=$(psql -X -qAt "$DATABASE_URL" -c "$q")
	start=$(date +%s%N)
	n=$n0
	while [ "$n" -gt 0 ] && [ $(( ($(date +%s%N) - start) / 1000000000 )) -lt 120 ]; do
		sleep 0.05
		n=$(psql -X -qAt "$DATABASE_URL" -c "$q")
	done
	end=$(date +%s%N)
	reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
	secs=$(awk '/requests in/ {sub(/s,$/, "", $4); print $4}' "$WORK/wrk.out")
	awk -v n0="$n0" -v n="$n" -v ms="$(( (end - start) / 1000000 ))" -v reqs="$reqs" -v secs="$secs" 'BEGIN {
		printf "   deliveries pending at the end of the run: %d; %s after %d ms; sustained %.0f req/s (requests / (run + drain))\n",
			n0, (n == 0 ? "all delivered" : n " still pending"), ms, reqs / (secs + ms / 1000)
	}'
}

case " $ROUTES " in *" list-users "*)
	say "GET /admin/users (bearer token, default limit 50, $USERS+ users; wrk -t$THREADS -c$CONNS -d$DURATION)"
	bench list-users "$ROOT/scripts/wrk/list-users.lua"
	;;
esac

case " $ROUTES " in *" create-invites "*)
	say "POST /admin/invites (distinct email per request; wrk -t$THREADS -c$CONNS -d$DURATION)"
	bench create-invites "$ROOT/scripts/wrk/create-invites.lua"
	;;
esac
psql -X -qAt "$DATABASE_URL" -c "SELECT format('%s invites in the database', count(*)) FROM invite"

say "memory"
echo "after the load runs: $(mem)  (VmHWM is the peak since the process started)"

# reset_peak makes VmHWM restart from the current VmRSS (Linux >= 4.0).
reset_peak() {
	if echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null; then echo "(VmHWM reset)"; else echo "(VmHWM not resettable: peaks below are since the start)"; fi
}
# login_burst ROUND: BURST parallel logins, request n from 127.0.ROUND.n;
# prints the answers' status counts and latencies per kind.
login_burst() {
	local round=$1 i kind email pw out=$WORK/burst-$1 pids=()
	: >"$out"
	for i in $(seq "$BURST"); do
		case $((i % 3)) in
		0) kind=right email=burst-$i@loadtest.example pw=burst-password-$i ;;
		1) kind=wrong email=burst-$i@loadtest.example pw=not-the-password ;;
		2) kind=unknown email=nobody-$round-$i@loadtest.example pw=burst-password-$i ;;
		esac
		curl -s -o /dev/null --max-time 30 --interface "127.0.$round.$i" -w "$kind %{http_code} %{time_total}\n" \
			-X POST "http://$ADDR/auth/user/emailpass" -H 'Content-Type: application/json' \
			-d "{\"email\":\"$email\",\"password\":\"$pw\"}" >>"$out" &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: Postgres runs in the background too
	sort -k1,1 -k3,3g "$out" | awk '{n[$1]++; c[$1 " " $2]++; v[$1, n[$1]] = $3} END {
		for (k in c) printf "   %s: %d answers\n", k, c[k]
		for (k in n) printf "   %s: %d logins, time min %.0f ms, median %.0f ms, max %.0f ms\n", k, n[k], v[k, 1]*1000, v[k, int((n[k]+1)/2)]*1000, v[k, n[k]]*1000
	}' | sort
	if awk '($1 == "right" && $2 != 200) || ($1 != "right" && $2 != 401) {bad = 1} END {exit !bad}' "$out"; then
		echo "loadtest: a burst login got an unexpected answer (see above)" >&2
		exit 1
	fi
}
if [ "$BURST" -gt 0 ]; then
	[ "$BURST" -le 250 ] || { echo "loadtest: BURST must be at most 250" >&2; exit 2; }
	say "login bursts ($BURST parallel POST /auth/user/emailpass: right password, wrong password, unknown email)"
	for i in $(seq "$BURST"); do
		[ $((i % 3)) = 2 ] && continue # unknown emails are never registered
		curl -fs -o /dev/null --max-time 30 --interface "127.0.3.$i" -X POST "http://$ADDR/auth/user/emailpass/register" \
			-H 'Content-Type: application/json' -d "{\"email\":\"burst-$i@loadtest.example\",\"password\":\"burst-password-$i\"}" ||
			{ echo "loadtest: registering burst-$i failed" >&2; exit 1; }
	done
	echo "registered the burst identities one by one: $(mem)"
	sleep 1
	echo "-- burst with the server otherwise idle ($(load)) $(reset_peak)"
	login_burst 1
	echo "   after the burst: $(mem)"
	sleep 1
	echo "-- burst during GET /admin/users (wrk -t$THREADS -c$CONNS -d$DURATION; the burst 1 s in) ($(load)) $(reset_peak)"
	RUN_ID=b$(date +%s%N) wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 5s -s "$ROOT/scripts/wrk/list-users.lua" "http://$ADDR" |
		grep -E 'Requests/sec|non-200' | sed 's/^/   /' &
	wrk_pid=$!
	sleep 1
	login_burst 2
	echo "   right after the burst: $(mem)"
	wait "$wrk_pid"
	echo "   after the list run: $(mem)"
fi
stop_server
load
