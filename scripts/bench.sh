#!/usr/bin/env bash
# npm run bench:<name>: finds/starts what the benchmark needs (node_modules, the Prisma
# client, PostgreSQL, Redis), then runs bench/<name>.ts. Each benchmark manages its own
# database, app server and cleanup, and ends by printing one JSON line.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

name="${1:-}"
[ -n "$name" ] || die "usage: scripts/bench.sh <name>   (runs bench/<name>.ts)"
[ -f "bench/$name.ts" ] || die "no benchmark bench/$name.ts"
shift

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
# The database the benchmark resets and uses; never the demo's or the tests'.
export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate_bench}"
export DATABASE_URL="$BENCH_DATABASE_URL"

ensure_deps
ensure_postgres
ensure_redis

exec node_modules/.bin/tsx "bench/$name.ts" "$@"
