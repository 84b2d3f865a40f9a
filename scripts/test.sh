#!/usr/bin/env bash
# npm test: install, find/start services, fresh test database, then typecheck, lint,
# unit and integration tests. Works on a fresh clone with no step before it.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

export NODE_ENV=test
export DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate_test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_PREFIX="tgtest-$$"

ensure_deps
ensure_postgres
ensure_redis
# This run's queues and counters live under REDIS_PREFIX; leave nothing behind.
trap 'npx tsx scripts/redis-clear-prefix.ts "$REDIS_PREFIX" >/dev/null 2>&1 || true' EXIT

log "resetting the test database"
npx tsx scripts/test-db.ts reset

log "typecheck"; npx tsc --noEmit
log "lint"; npx eslint --max-warnings=0 .
log "unit and integration tests"
npx vitest run "$@"
