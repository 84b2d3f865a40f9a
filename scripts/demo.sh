#!/usr/bin/env bash
# npm run demo: the whole product on this machine with demo data and the fake providers.
# Installs, finds/starts PostgreSQL and Redis, migrates, seeds, builds, then runs the web app,
# the workers, a mail catcher with a web inbox and the fake OpenRouter/OpenAI. Ctrl-C stops
# everything it started. Running it again is harmless (the seed is idempotent).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

ensure_env_file
export NODE_ENV=production
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_PREFIX="${REDIS_PREFIX:-tollgate-demo}"

pick_port() { if tcp_open 127.0.0.1 "$1"; then free_port; else echo "$1"; fi; }
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
  trap - INT TERM EXIT
  log "stopping…"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  log "stopped"
}
trap cleanup INT TERM EXIT
start() { # name, command…
  local name=$1; shift
  "$@" >".data/logs/$name.log" 2>&1 &
  PIDS+=($!)
}
wait_http() { # url, seconds
  for _ in $(seq 1 "$2"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 1; done
  return 1
}

log "migrating $DATABASE_URL"
npx tsx scripts/db-migrate.ts

start mail npx tsx src/dev/mail-catcher.ts
start fakes npx tsx src/dev/fake-providers.ts
wait_http "$DEMO_OPENROUTER_URL/models" 60 || die "fake providers did not start (see .data/logs/fakes.log)"

log "seeding demo data"
npx tsx prisma/seed.ts

if [ ! -f .next/BUILD_ID ] || [ -n "$(find src next.config.ts tailwind.config.ts -newer .next/BUILD_ID -type f -print -quit 2>/dev/null)" ]; then
  log "building the web app (first run takes a minute or two)"
  npx next build >.data/logs/build.log 2>&1 || { tail -40 .data/logs/build.log; die "next build failed (.data/logs/build.log)"; }
fi

start web npx next start -p "$WEB_PORT"
start worker npx tsx workers/main.ts
wait_http "http://127.0.0.1:$WEB_PORT/api/health" 90 || die "the web app did not start (see .data/logs/web.log)"
start traffic npx tsx src/dev/demo-traffic.ts "http://127.0.0.1:$WEB_PORT"

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
