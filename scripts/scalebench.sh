#!/usr/bin/env bash
# scripts/scalebench.sh — issue 18's numbers: the Admin API's lists and the
# services' bulk writes at 100k, 1M and 10M rows per table (users and the
# blog module's posts), with internal/scalebench (its doc.go says what it
# measures and how).
#
# Each size has its own Postgres cluster under $DIR/<rows> (on disk), seeded
# once and reused by later runs until the seeding or an applied migration
# changes; migrations added since are applied to the seeded data. Seeding
# runs at nice 19; the measured requests at normal priority.
#
# Usage: scripts/scalebench.sh              (from anywhere in the repository)
# Environment:
#   ROWS     sizes, comma-separated (default 100k,1M,10M)
#   DIR      where the clusters and results live (default /var/tmp/medusa-scale)
#   OUT      the markdown tables (default $DIR/scalebench.md)
#   ARGS     more flags for the program, e.g. "-budget 20s -bulk 0 -shapes users"
# Needs: go, Postgres server binaries (initdb, postgres); disk: 21 GB for the
# 10M cluster (a 15 GB database, the rest WAL), 2.3 GB for 1M.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROWS=${ROWS:-100k,1M,10M}
DIR=${DIR:-/var/tmp/medusa-scale}
OUT=${OUT:-$DIR/scalebench.md}

mkdir -p "$DIR"
cd "$ROOT"
go build -o "$DIR/scalebench" ./internal/scalebench
echo "scalebench: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD)" >&2
# shellcheck disable=SC2086 # ARGS is a list of flags
"$DIR/scalebench" -rows "$ROWS" -dir "$DIR" -out "$OUT" ${ARGS:-}
echo "scalebench: tables in $OUT" >&2
