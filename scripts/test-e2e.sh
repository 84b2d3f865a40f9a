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

STARTED=()
stop_all() {
  local pid
  for pid in "${STARTED[@]}"; do
    # Each service runs in its own process group (setsid), so its children go too.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  node_modules/.bin/tsx scripts/redis-clear-prefix.ts "$REDIS_PREFIX" >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

log "resetting the e2e database ($(url_host "$DATABASE_URL"))"
npx tsx scripts/test-db.ts reset

# Throwaway production secrets: this run's sessions and encrypted rows die with its database.
export NODE_ENV=production
export NEXTAUTH_SECRET="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')"
export ENCRYPTION_KEY="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"

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

setsid node_modules/.bin/tsx src/dev/mail-catcher.ts > .data/e2e/mail.log 2>&1 &
STARTED+=("$!")

# Build only when there is no build or a source it depends on changed since.
needs_build() {
  [ -f .next/BUILD_ID ] || return 0
  [ -n "$(find src prisma/schema.prisma next.config.ts tailwind.config.ts postcss.config.mjs tsconfig.json package-lock.json \
      -newer .next/BUILD_ID -type f ! -name '*.test.ts' ! -name '*.test.tsx' -print -quit)" ]
}
if needs_build; then
  log "building the app (next build)"
  node_modules/.bin/next build
else
  log "build is up to date"
fi

log "starting the app on $APP_URL"
setsid node_modules/.bin/next start -p "$APP_PORT" -H 127.0.0.1 > .data/e2e/next.log 2>&1 &
STARTED+=("$!")
for i in $(seq 1 120); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$APP_URL/api/health"; then break; fi
  kill -0 "${STARTED[-1]}" 2>/dev/null || { cat .data/e2e/next.log >&2; die "the app exited before it was healthy"; }
  [ "$i" = 120 ] && { tail -50 .data/e2e/next.log >&2; die "the app did not become healthy within 60 s"; }
  sleep 0.5
done

# The workers take exports, scheduled reports and polls, from the built bundle (npm run
# build:workers, about a second, redone when a source is newer), else through tsx.
if [ ! -f dist/workers/main.mjs ] || [ -n "$(find src workers package-lock.json -newer dist/workers/main.mjs -type f -print -quit)" ]; then
  node_modules/.bin/tsx scripts/build-workers.ts > .data/e2e/build-workers.log 2>&1 || { log "the workers build failed; running them through tsx"; rm -f dist/workers/main.mjs; }
fi
if [ -f dist/workers/main.mjs ]; then WORKER=(node dist/workers/main.mjs); else WORKER=(node_modules/.bin/tsx workers/main.ts); fi
log "starting the workers (${WORKER[*]})"
setsid "${WORKER[@]}" > .data/e2e/worker.log 2>&1 &
STARTED+=("$!")
for i in $(seq 1 120); do
  grep -q "^\[worker\] started" .data/e2e/worker.log && break
  kill -0 "${STARTED[-1]}" 2>/dev/null || { cat .data/e2e/worker.log >&2; die "the workers exited before they started"; }
  [ "$i" = 120 ] && { tail -50 .data/e2e/worker.log >&2; die "the workers did not start within 60 s"; }
  sleep 0.5
done

log "running browser journeys (screenshots in artifacts/e2e/)"
status=0
node_modules/.bin/vitest run --config vitest.e2e.config.ts "$@" || status=$?
if [ "$status" != 0 ]; then
  log "app log tail (.data/e2e/next.log):"; tail -40 .data/e2e/next.log >&2 || true
  log "worker log tail (.data/e2e/worker.log):"; tail -20 .data/e2e/worker.log >&2 || true
fi
exit "$status"
