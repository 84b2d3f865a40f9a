#!/usr/bin/env bash
# npm run test:e2e: browser journeys against a production build.
# Finds/starts PostgreSQL and Redis, installs Debian's Chromium when missing, resets a
# dedicated database, starts the mail catcher, `next start` and the workers on free ports, runs
# e2e/**/*.spec.ts with vitest, and stops everything it started, whatever happens.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

export DATABASE_URL="${E2E_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate_e2e}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_PREFIX="tge2e-$$"

ensure_deps
ensure_postgres
ensure_redis
ensure_chromium

stop_all() {
  stop_started
  node_modules/.bin/tsx scripts/redis-clear-prefix.ts "$REDIS_PREFIX" >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

log "resetting the e2e database ($(url_host "$DATABASE_URL"))"
npx tsx scripts/test-db.ts reset

use_throwaway_secrets

SMTP_PORT="$(free_port)"; MAIL_CATCHER_HTTP_PORT="$(free_port)"; APP_PORT="$(free_port)"
export SMTP_HOST=127.0.0.1 SMTP_PORT MAIL_CATCHER_HTTP_PORT
export APP_URL="http://127.0.0.1:$APP_PORT"
export NEXTAUTH_URL="$APP_URL"
export E2E_BASE_URL="$APP_URL"
# Fakes and webhook receivers listen on loopback (src/server/outbound.ts).
export PROVIDER_ALLOWED_HOSTS="openrouter.ai,api.openai.com,127.0.0.1,localhost" OUTBOUND_ALLOW_LOOPBACK=1
# --- admin journey (e2e/admin.spec.ts) ---------------------------------------------------------
# The spec starts the fake OpenRouter and the fake OpenAI itself (in its own process, on free
# loopback ports, so it can read their state) and connects them through the UI. A new connection
# waits CONNECTION_GRACE_MS before its first poll: 30 s in production, 2 s here (src/env.ts).
export CONNECTION_GRACE_MS=2000
# ------------------------------------------------------------------------------------------------
mkdir -p .data/e2e
rm -rf artifacts/e2e && mkdir -p artifacts/e2e

start_service .data/e2e/mail.log node_modules/.bin/tsx src/dev/mail-catcher.ts
ensure_next_build
start_app "$APP_PORT" .data/e2e/next.log
# The workers take exports, scheduled reports and polls.
ensure_workers_bundle .data/e2e/build-workers.log
start_workers .data/e2e/worker.log

log "running browser journeys (screenshots in artifacts/e2e/)"
status=0
node_modules/.bin/vitest run --config vitest.e2e.config.ts "$@" || status=$?
if [ "$status" != 0 ]; then
  log "app log tail (.data/e2e/next.log):"; tail -40 .data/e2e/next.log >&2 || true
  log "worker log tail (.data/e2e/worker.log):"; tail -20 .data/e2e/worker.log >&2 || true
fi
exit "$status"
