#!/usr/bin/env bash
# npm run dev: Next.js dev server and the workers against .env (created if missing).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ensure_env_file
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
ensure_deps
ensure_postgres
ensure_redis
npx tsx scripts/db-migrate.ts
npx tsx workers/main.ts &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
npx next dev -p "${PORT:-3000}"
