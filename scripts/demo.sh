#!/usr/bin/env bash
# npm run demo: the whole product on this machine with demo data and the fake providers.
# Installs, finds/starts PostgreSQL and Redis, migrates, seeds, builds, then runs the web app,
# the workers, a mail catcher with a web inbox and the fake OpenRouter/OpenAI. Ctrl-C stops
# everything it started. Running it again is harmless (the seed is idempotent).
# `npm run demo -- --check` (or DEMO_SMOKE=1) is the non-interactive smoke test CI runs: the same
# steps on free ports, then it checks the web app, an ingest request and the workers, stops
# everything and exits 0 (non-zero, with the failing log's tail, when anything is unhealthy).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

SMOKE="${DEMO_SMOKE:-}"
[ "${1:-}" = "--check" ] && SMOKE=1

ensure_env_file
export NODE_ENV=production
# The smoke check seeds a database of its own unless told otherwise, never the demo's.
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate${SMOKE:+_demo_check}}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_PREFIX="${REDIS_PREFIX:-tollgate-demo}"
# The smoke run's queues live under their own prefix, removed when it stops.
[ -n "$SMOKE" ] && export REDIS_PREFIX="$REDIS_PREFIX-check-$$"

# The smoke run never takes the well-known ports, so it can run beside a real demo.
pick_port() { if [ -n "$SMOKE" ] || tcp_open 127.0.0.1 "$1"; then free_port; else echo "$1"; fi; }
WEB_PORT=$(pick_port "${PORT:-3000}")
SMTP_PORT=$(pick_port 1025); MAIL_HTTP_PORT=$(pick_port 1080)
FAKE_OR_PORT=$(pick_port 4010); FAKE_OAI_PORT=$(pick_port 4020)
export SMTP_HOST=127.0.0.1 SMTP_PORT MAIL_CATCHER_HTTP_PORT="$MAIL_HTTP_PORT"
export APP_URL="http://localhost:$WEB_PORT" NEXTAUTH_URL="http://localhost:$WEB_PORT"
export FAKE_OPENROUTER_PORT="$FAKE_OR_PORT" FAKE_OPENAI_PORT="$FAKE_OAI_PORT"
export DEMO_OPENROUTER_URL="http://127.0.0.1:$FAKE_OR_PORT/api/v1" DEMO_OPENAI_URL="http://127.0.0.1:$FAKE_OAI_PORT/v1"
# The demo never reaches the real providers: public endpoints (e.g. /models for pricing) go to the fakes too.
export OPENROUTER_BASE_URL="$DEMO_OPENROUTER_URL" OPENAI_BASE_URL="$DEMO_OPENAI_URL"
# The fakes listen on loopback: allow exactly that for provider calls and webhooks (src/server/outbound.ts).
export PROVIDER_ALLOWED_HOSTS="openrouter.ai,api.openai.com,127.0.0.1,localhost" OUTBOUND_ALLOW_LOOPBACK=1

ensure_deps
ensure_postgres
ensure_redis

mkdir -p .data/logs
PIDS=()
cleanup() {
  local status=$? p
  trap - INT TERM EXIT
  log "stopping…"
  # Each service runs in its own process group (setsid), so `next start`'s server child goes too.
  for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -f "${FAKE_HISTORY_FILE:-}"
  [ -n "$SMOKE" ] && { node_modules/.bin/tsx scripts/redis-clear-prefix.ts "$REDIS_PREFIX" >/dev/null 2>&1 || true; }
  log "stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start() { # name, command…
  local name=$1; shift
  setsid "$@" >".data/logs/$name.log" 2>&1 &
  PIDS+=($!)
}
wait_http() { # url, seconds
  for _ in $(seq 1 "$2"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 1; done
  return 1
}

log "migrating $DATABASE_URL"
npx tsx scripts/db-migrate.ts

start mail node_modules/.bin/tsx src/dev/mail-catcher.ts
# The fakes write the requests of their history here; the seed pushes a share of them.
export FAKE_HISTORY_FILE="$ROOT/.data/demo/fake-history-$$.ndjson"
rm -f "$FAKE_HISTORY_FILE"
start fakes node_modules/.bin/tsx src/dev/fake-providers.ts
wait_http "$DEMO_OPENROUTER_URL/models" 60 || die "fake providers did not start (see .data/logs/fakes.log)"
for _ in $(seq 1 60); do [ -f "$FAKE_HISTORY_FILE" ] && break; sleep 0.5; done

log "seeding demo data"
npx tsx prisma/seed.ts

stale() { # built file, sources…: true when the build is missing or older than a source
  local out=$1; shift
  [ ! -f "$out" ] || [ -n "$(find "$@" -newer "$out" -type f ! -name '*.test.ts' -print -quit 2>/dev/null)" ]
}
if stale .next/BUILD_ID src next.config.ts tailwind.config.ts; then
  log "building the web app (first run takes a minute or two)"
  npx next build >.data/logs/build.log 2>&1 || { tail -40 .data/logs/build.log; die "next build failed (.data/logs/build.log)"; }
fi
if stale dist/workers/main.mjs src workers package-lock.json; then
  log "building the workers"
  node_modules/.bin/tsx scripts/build-workers.ts >.data/logs/build-workers.log 2>&1 || { tail -40 .data/logs/build-workers.log; die "the workers build failed (.data/logs/build-workers.log)"; }
fi

start web node_modules/.bin/next start -p "$WEB_PORT"
# The workers run from the build (npm run build:workers), not through tsx.
start worker node dist/workers/main.mjs
wait_http "http://127.0.0.1:$WEB_PORT/api/health" 90 || { tail -20 .data/logs/web.log >&2; die "the web app did not start (see .data/logs/web.log)"; }

if [ -n "$SMOKE" ]; then
  for _ in $(seq 1 60); do grep -q "^\[worker\] started" .data/logs/worker.log && break; sleep 1; done
  grep -q "^\[worker\] started" .data/logs/worker.log || { tail -20 .data/logs/worker.log >&2; die "the workers did not start (see .data/logs/worker.log)"; }
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/sign-in")
  [ "$code" = 200 ] || die "the sign-in page answered $code"
  code=$(curl -s -o .data/logs/check-ingest.json -w '%{http_code}' -X POST "http://127.0.0.1:$WEB_PORT/api/v1/usage" \
    -H "authorization: Bearer $(cat .data/demo-ingest-token)" -H 'content-type: application/json' \
    -d "{\"events\":[{\"id\":\"demo-check-$$-$(date +%s)\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"input_tokens\":10,\"output_tokens\":5}]}")
  [ "$code" = 202 ] || { cat .data/logs/check-ingest.json >&2; die "the ingest API answered $code"; }
  log "demo check passed: web $APP_URL healthy, sign-in page 200, ingest 202, workers started"
  exit 0
fi
start traffic node_modules/.bin/tsx src/dev/demo-traffic.ts "http://127.0.0.1:$WEB_PORT"

cat <<MSG

  Tollgate is running.

  Web app        http://localhost:$WEB_PORT
  Sign in as     admin@demo.tollgate.dev / tollgate-demo
  Mail inbox     http://localhost:$MAIL_HTTP_PORT   (alerts, invitations, magic links)
  Fake OpenRouter $DEMO_OPENROUTER_URL
  Fake OpenAI     $DEMO_OPENAI_URL
  Logs           .data/logs/

  Ctrl-C stops everything.
MSG
wait
