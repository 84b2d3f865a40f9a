#!/usr/bin/env bash
# npm run test:faults: the fault suites (test/faults/*.fault.ts: worker kill -9, Redis flush and
# restart, PostgreSQL backends terminated, flaky providers, the injectable clock, the load run,
# npm audit) and the hostile-input suite (test/faults/*.fuzz.ts) against the production build.
# Finds/starts PostgreSQL, starts a Redis of its own on a free port (the suites flush and restart
# it; the shared one is never touched), resets a dedicated database, builds when needed (shared
# with test:e2e), starts `next start` on a free port, runs the suites with vitest, stops
# everything it started and ends with one JSON line {"bench":"faults",...}.
# FUZZ_CASES=10000 npm run test:faults for the full count (cases per input kind and surface);
# LOAD_SECONDS=600 for the full load run (LOAD_RATE=<events/s> instead of half the measured capacity).
# Arguments go to vitest: one suite is `npm run test:faults -- test/faults/load.fault.ts`, and a test
# name filter picks surfaces inside a fuzz file (`-- test/faults/fuzz-http.fuzz.ts -t "OTLP protobuf|holds"`).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

export DATABASE_URL="${FAULTS_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tollgate_faults}"
export REDIS_PREFIX="tgfaults-$$"
# Where the suite keeps its logs and figures: FAULTS_DIR=.data/faults-b lets a second run (another
# database via FAULTS_DATABASE_URL) go side by side without sharing or deleting the first's files.
FAULTS_DIR="${FAULTS_DIR:-.data/faults}"
case "$FAULTS_DIR" in /*) ;; *) FAULTS_DIR="$ROOT/$FAULTS_DIR" ;; esac

ensure_deps
ensure_postgres

stop_all() {
  stop_started
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
mkdir -p "$FAULTS_DIR"
start_service "$FAULTS_DIR/redis.log" redis-server --port "$FAULTS_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
for _ in $(seq 1 50); do tcp_open 127.0.0.1 "$FAULTS_REDIS_PORT" && break; sleep 0.1; done
tcp_open 127.0.0.1 "$FAULTS_REDIS_PORT" || die "our Redis did not start on $FAULTS_REDIS_PORT"
log "own Redis on $REDIS_URL"

log "resetting the faults database ($(url_host "$DATABASE_URL"))"
npx tsx scripts/test-db.ts reset

# Throwaway production secrets: the suite checks that no response ever carries them.
use_throwaway_secrets
APP_PORT="$(free_port)"
export APP_URL="http://127.0.0.1:$APP_PORT" NEXTAUTH_URL="http://127.0.0.1:$APP_PORT" FAULTS_BASE_URL="http://127.0.0.1:$APP_PORT"
export SMTP_HOST=127.0.0.1 SMTP_PORT="$(free_port)" # no mail is expected; nothing listens
mkdir -p "$FAULTS_DIR"
export FAULTS_RESULTS="$FAULTS_DIR/fuzz.json" FAULTS_FAULT_RESULTS="$FAULTS_DIR/faults.json" FAULTS_LOAD_RESULTS="$FAULTS_DIR/load.json" \
  FAULTS_AUDIT_RESULTS="$FAULTS_DIR/audit.json" FAULTS_DIR
rm -f "$FAULTS_RESULTS" "$FAULTS_FAULT_RESULTS" "$FAULTS_LOAD_RESULTS" "$FAULTS_AUDIT_RESULTS" "$FAULTS_DIR/worker-memory.log"

ensure_next_build
# FAULTS_APP_MEMORY=1: `next start` logs process.memoryUsage() every 10 s to $FAULTS_DIR/next.log
# (`[memory] {…}` lines), to tell V8's heap settling from a leak in the load run's RSS.
if [ "${FAULTS_APP_MEMORY:-}" = 1 ]; then
  NODE_OPTIONS="${NODE_OPTIONS:-} --require $ROOT/test/faults/memory-sampler.cjs" start_app "$APP_PORT" "$FAULTS_DIR/next.log"
else
  start_app "$APP_PORT" "$FAULTS_DIR/next.log"
fi
# The load suite measures the app's RSS (its process tree) and runs the built workers bundle.
export FAULTS_APP_PID="$APP_PID"
ensure_workers_bundle "$FAULTS_DIR/build-workers.log"

log "fault suites, then fuzzing over HTTP (FUZZ_CASES=${FUZZ_CASES:-100} per input kind and surface)"
status=0
# The suites' own pollers and worker children reach the fakes on loopback (the app never polls).
PROVIDER_ALLOWED_HOSTS="openrouter.ai,api.openai.com,127.0.0.1,localhost" OUTBOUND_ALLOW_LOOPBACK=1 \
  node_modules/.bin/vitest run --config vitest.faults.config.ts "$@" || status=$?

# Fault figures: the sum over the fault suites that ran (null when none did); per-suite detail is in
# $FAULTS_DIR/faults.json.
node -e '
const fs = require("fs");
const read = (p) => (fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")) : null);
const r = read(process.argv[1]);
const f = read(process.argv[2]);
const l = read(process.argv[3]); // the load suite (test/faults/load.fault.ts)
const a = read(process.argv[4]); // npm audit (test/faults/npm-audit.fault.ts)
const t = r ? r.total : null;
const sum = (k) => (f ? Object.values(f).reduce((s, x) => s + x[k], 0) : null);
console.log(JSON.stringify({ bench: "faults", events_lost: sum("events_lost"), events_double_counted: sum("events_double_counted"),
  alerts_duplicated: sum("alerts_duplicated"),
  // Of those, the copies a recipient cannot recognise as a repeat (a second alert row or a second
  // Message-ID); a suite that does not tell them apart counts all its duplicates here.
  alerts_duplicated_unrecognisable: f ? Object.values(f).reduce((s, x) => s + (x.alerts_duplicated_unrecognisable ?? x.alerts_duplicated), 0) : null,
  alerts_missed: sum("alerts_missed"), pauses_unconfirmed: sum("pauses_unconfirmed"),
  fuzz_cases: t && t.cases, fuzz_5xx: t && t.status5xx, fuzz_partial_writes: t && t.partialWrites,
  fuzz_unexplained_rejections: t && t.unnamed, fuzz_leaks: t && t.leaks, rss_growth_pct: l ? l.rss_growth_pct : null, seed: r && r.seed,
  fault_suites: f ? Object.keys(f) : [],
  load_seconds: l && l.seconds, load_events_per_s: l && l.rate_achieved_events_per_s, load_capacity_events_per_s: l && l.capacity_events_per_s,
  load_errors: l && l.errors, load_rss_window: l && l.rss_window, load_freshness_p95_ms: l && l.freshness_p95_ms,
  load_report_api_p95_ms: l && l.report_api_p95_ms, load_report_page_p95_ms: l && l.report_page_p95_ms, loadavg: l && l.loadavg,
  audit: a ? (a.status === "skipped" ? "not checkable here (skipped, not passed): " + a.reason : a.status) : null, audit_high: a && a.counts ? a.counts.high : null, audit_critical: a && a.counts ? a.counts.critical : null }));
' "$FAULTS_RESULTS" "$FAULTS_FAULT_RESULTS" "$FAULTS_LOAD_RESULTS" "$FAULTS_AUDIT_RESULTS"
exit "$status"
