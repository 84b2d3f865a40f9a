#!/usr/bin/env bash
# npm run test:faults: the fault suites (test/faults/*.fault.ts: worker kill -9, Redis flush and
# restart, PostgreSQL backends terminated, flaky providers) and the hostile-input suite
# (test/faults/*.fuzz.ts) against the production build over HTTP.
# Finds/starts PostgreSQL, starts a Redis of its own on a free port (the suites flush and restart
# it; the shared one is never touched), resets a dedicated database, builds when needed (shared
# with test:e2e), starts `next start` on a free port, runs the suites with vitest, stops
# everything it started and ends with one JSON line {"bench":"faults",...}.
# FUZZ_CASES=10000 npm run test:faults for the full count (cases per input kind and surface).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

export DATABASE_URL="${FAULTS_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate_faults}"
export REDIS_PREFIX="tgfaults-$$"

ensure_deps
ensure_postgres

STARTED=()
stop_all() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  # The Redis fault suite restarts our Redis as a daemon of its own: stop it by its port.
  if [ -n "${FAULTS_REDIS_PORT:-}" ]; then redis-cli -p "$FAULTS_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# A Redis of our own: the Redis fault suite flushes it and restarts it (same port, same args).
command -v redis-server >/dev/null || apt_install redis-server
command -v redis-server >/dev/null || die "redis-server is needed (apt-get install redis-server)"
export FAULTS_REDIS_PORT="$(free_port)"
export REDIS_URL="redis://127.0.0.1:$FAULTS_REDIS_PORT"
mkdir -p .data/faults
setsid redis-server --port "$FAULTS_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no > .data/faults/redis.log 2>&1 &
STARTED+=("$!")
for _ in $(seq 1 50); do tcp_open 127.0.0.1 "$FAULTS_REDIS_PORT" && break; sleep 0.1; done
tcp_open 127.0.0.1 "$FAULTS_REDIS_PORT" || die "our Redis did not start on $FAULTS_REDIS_PORT"
log "own Redis on $REDIS_URL"

log "resetting the faults database ($(url_host "$DATABASE_URL"))"
npx tsx scripts/test-db.ts reset

# Throwaway production secrets: the suite checks that no response ever carries them.
export NODE_ENV=production
export NEXTAUTH_SECRET="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')"
export ENCRYPTION_KEY="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
APP_PORT="$(free_port)"
export APP_URL="http://127.0.0.1:$APP_PORT" NEXTAUTH_URL="http://127.0.0.1:$APP_PORT" FAULTS_BASE_URL="http://127.0.0.1:$APP_PORT"
export SMTP_HOST=127.0.0.1 SMTP_PORT="$(free_port)" # no mail is expected; nothing listens
mkdir -p .data/faults
export FAULTS_RESULTS="$ROOT/.data/faults/fuzz.json" FAULTS_FAULT_RESULTS="$ROOT/.data/faults/faults.json"
rm -f "$FAULTS_RESULTS" "$FAULTS_FAULT_RESULTS"

needs_build() {
  [ -f .next/BUILD_ID ] || return 0
  [ -n "$(find src prisma/schema.prisma next.config.ts tailwind.config.ts postcss.config.mjs tsconfig.json package-lock.json \
      -newer .next/BUILD_ID -type f ! -name '*.test.ts' ! -name '*.test.tsx' -print -quit)" ]
}
if needs_build; then log "building the app (next build)"; node_modules/.bin/next build; else log "build is up to date"; fi

log "starting the app on $APP_URL"
setsid node_modules/.bin/next start -p "$APP_PORT" -H 127.0.0.1 > .data/faults/next.log 2>&1 &
STARTED+=("$!")
for i in $(seq 1 120); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$APP_URL/api/health"; then break; fi
  kill -0 "${STARTED[-1]}" 2>/dev/null || { cat .data/faults/next.log >&2; die "the app exited before it was healthy"; }
  [ "$i" = 120 ] && { tail -50 .data/faults/next.log >&2; die "the app did not become healthy within 60 s"; }
  sleep 0.5
done

log "fault suites, then fuzzing over HTTP (FUZZ_CASES=${FUZZ_CASES:-100} per input kind and surface)"
status=0
# The suites' own pollers and worker children reach the fakes on loopback (the app never polls).
PROVIDER_ALLOWED_HOSTS="openrouter.ai,api.openai.com,127.0.0.1,localhost" OUTBOUND_ALLOW_LOOPBACK=1 \
  node_modules/.bin/vitest run --config vitest.faults.config.ts "$@" || status=$?

# Fault figures: the sum over the fault suites that ran (null when none did); per-suite detail is in
# .data/faults/faults.json.
node -e '
const fs = require("fs");
const read = (p) => (fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")) : null);
const r = read(process.argv[1]);
const f = read(process.argv[2]);
const t = r ? r.total : null;
const sum = (k) => (f ? Object.values(f).reduce((s, x) => s + x[k], 0) : null);
console.log(JSON.stringify({ bench: "faults", events_lost: sum("events_lost"), events_double_counted: sum("events_double_counted"),
  alerts_duplicated: sum("alerts_duplicated"), alerts_missed: sum("alerts_missed"), pauses_unconfirmed: sum("pauses_unconfirmed"),
  fuzz_cases: t && t.cases, fuzz_5xx: t && t.status5xx, fuzz_partial_writes: t && t.partialWrites,
  fuzz_unexplained_rejections: t && t.unnamed, fuzz_leaks: t && t.leaks, rss_growth_pct: null, seed: r && r.seed,
  fault_suites: f ? Object.keys(f) : [], note: "load suite not built yet" }));
' "$FAULTS_RESULTS" "$FAULTS_FAULT_RESULTS"
exit "$status"
