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
# Only used here to find (or start) PostgreSQL. Each benchmark resets and uses a database
# of its own (bench:ingest → tollgate_bench, bench:alerts → tollgate_bench_alerts) and sets
# DATABASE_URL for itself before loading any app module; never the demo's or the tests'.
export DATABASE_URL="${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"

# Benchmarks drive the local fakes and receivers on loopback (src/server/outbound.ts).
export PROVIDER_ALLOWED_HOSTS="${PROVIDER_ALLOWED_HOSTS:-openrouter.ai,api.openai.com,127.0.0.1,localhost}" OUTBOUND_ALLOW_LOOPBACK="${OUTBOUND_ALLOW_LOOPBACK:-1}"

ensure_deps
ensure_postgres
ensure_redis

exec node_modules/.bin/tsx "bench/$name.ts" "$@"
