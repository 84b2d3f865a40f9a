# Shared by demo.sh, test.sh, test-e2e.sh, bench.sh. Sourced, not run.
# Finds or starts what Tollgate needs on a fresh clone: node_modules, the Prisma client,
# PostgreSQL, Redis (and Chromium for browser tests).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export NEXT_TELEMETRY_DISABLED=1

log() { printf '\033[1;34m[tollgate]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[tollgate]\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = "0" ]; }

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

url_host() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.hostname||"127.0.0.1")' "$1"; }
url_port() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.port||process.argv[2])' "$1" "$2"; }

apt_install() {
  is_root || return 1
  command -v apt-get >/dev/null || return 1
  log "installing $* from Debian's packages"
  if [ ! -f /tmp/.tollgate-apt-updated ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && touch /tmp/.tollgate-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_deps() {
  # Dev dependencies too (tsx, prisma, vitest…), even when NODE_ENV=production is set.
  if [ ! -x node_modules/.bin/tsx ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies"
    # `npm ci`: exactly the committed lock, which lists every platform's optional binaries,
    # so an install never rewrites package-lock.json and never leaves the tree dirty.
    npm ci --include=dev --no-audit --no-fund --loglevel=error || die "npm ci failed"
  fi
  if [ ! -f src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt src/generated/prisma/client.ts ]; then
    log "generating the Prisma client"
    # generate never runs the schema engine, but the CLI wants a path to one; offline it can't download it.
    PRISMA_SCHEMA_ENGINE_BINARY="$(command -v node)" npx prisma generate >/dev/null || die "prisma generate failed"
  fi
}

ensure_postgres() {
  local host port
  host=$(url_host "$DATABASE_URL"); port=$(url_port "$DATABASE_URL" 5432)
  if tcp_open "$host" "$port"; then return 0; fi
  case "$host" in 127.0.0.1|localhost|::1) ;; *) die "PostgreSQL at $host:$port is not reachable (DATABASE_URL). Start it or point DATABASE_URL at one.";; esac
  if is_root && ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql || true; fi
  if command -v pg_ctlcluster >/dev/null && is_root; then
    log "starting PostgreSQL"
    local ver; ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
    # Local trust auth for the postgres role, as the connection strings here assume.
    for _ in $(seq 1 30); do tcp_open "$host" "$port" && return 0; sleep 1; done
  fi
  die "PostgreSQL is not reachable at $host:$port. Install it (apt-get install postgresql) or set DATABASE_URL to a reachable server."
}

ensure_redis() {
  local host port
  host=$(url_host "$REDIS_URL"); port=$(url_port "$REDIS_URL" 6379)
  if tcp_open "$host" "$port"; then return 0; fi
  case "$host" in 127.0.0.1|localhost|::1) ;; *) die "Redis at $host:$port is not reachable (REDIS_URL).";; esac
  command -v redis-server >/dev/null || apt_install redis-server || true
  if command -v redis-server >/dev/null; then
    log "starting Redis on port $port"
    mkdir -p "$ROOT/.data/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly yes \
      --maxmemory-policy noeviction --dir "$ROOT/.data/redis" --logfile "$ROOT/.data/redis/redis.log" >/dev/null
    for _ in $(seq 1 20); do tcp_open "$host" "$port" && return 0; sleep 0.5; done
  fi
  die "Redis is not reachable at $host:$port. Install it (apt-get install redis-server) or set REDIS_URL."
}

ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then return 0; fi
  if [ -x /usr/bin/chromium ]; then export CHROMIUM_PATH=/usr/bin/chromium; return 0; fi
  apt_install chromium || die "Chromium is needed for browser tests: apt-get install chromium (or set CHROMIUM_PATH)."
  export CHROMIUM_PATH=/usr/bin/chromium
}

# .env holds generated secrets for the demo; created once, never committed.
ensure_env_file() {
  if [ ! -f .env ]; then
    log "creating .env with fresh secrets"
    {
      echo "NEXTAUTH_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')"
      echo "ENCRYPTION_KEY=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
    } > .env
  fi
  set -a; . ./.env; set +a
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'; }

# --- Start-up shared by test-e2e.sh and test-faults.sh: a production build, `next start`, the
# workers, each in a process group of its own, all stopped by stop_started on exit. ---

STARTED=()
# setsid: each service runs in its own process group, so its children go when it does.
start_service() { # <log file> <command…>
  local out="$1"; shift
  setsid "$@" > "$out" 2>&1 &
  STARTED+=("$!")
}
stop_started() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}

# Throwaway production secrets: the run's sessions and encrypted rows die with its database.
use_throwaway_secrets() {
  export NODE_ENV=production
  NEXTAUTH_SECRET="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')"
  ENCRYPTION_KEY="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
  export NEXTAUTH_SECRET ENCRYPTION_KEY
}

# Build only when there is no build or a source it depends on changed since.
needs_build() {
  [ -f .next/BUILD_ID ] || return 0
  [ -n "$(find src prisma/schema.prisma next.config.ts tailwind.config.ts postcss.config.mjs tsconfig.json package-lock.json \
      -newer .next/BUILD_ID -type f ! -name '*.test.ts' ! -name '*.test.tsx' -print -quit)" ]
}
ensure_next_build() {
  if needs_build; then log "building the app (next build)"; node_modules/.bin/next build; else log "build is up to date"; fi
}

# `next start` on APP_URL's port; waits for /api/health. APP_PID is its process (group).
start_app() { # <port> <log file>
  local port="$1" out="$2" i
  log "starting the app on $APP_URL"
  start_service "$out" node_modules/.bin/next start -p "$port" -H 127.0.0.1
  APP_PID="${STARTED[-1]}"
  for i in $(seq 1 120); do
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$APP_URL/api/health"; then return 0; fi
    kill -0 "$APP_PID" 2>/dev/null || { cat "$out" >&2; die "the app exited before it was healthy"; }
    [ "$i" = 120 ] && { tail -50 "$out" >&2; die "the app did not become healthy within 60 s"; }
    sleep 0.5
  done
}

# The workers' built bundle (npm run build:workers, about a second, redone when a source is newer);
# sets WORKER to the command that runs them: the bundle, else tsx.
ensure_workers_bundle() { # <log file of the build>
  if [ ! -f dist/workers/main.mjs ] || [ -n "$(find src workers package-lock.json -newer dist/workers/main.mjs -type f -print -quit)" ]; then
    node_modules/.bin/tsx scripts/build-workers.ts > "$1" 2>&1 || { log "the workers build failed; running them through tsx"; rm -f dist/workers/main.mjs; }
  fi
  if [ -f dist/workers/main.mjs ]; then WORKER=(node dist/workers/main.mjs); else WORKER=(node_modules/.bin/tsx workers/main.ts); fi
}

start_workers() { # <log file>
  local out="$1" i
  log "starting the workers (${WORKER[*]})"
  start_service "$out" "${WORKER[@]}"
  for i in $(seq 1 120); do
    grep -q "^\[worker\] started" "$out" && return 0
    kill -0 "${STARTED[-1]}" 2>/dev/null || { cat "$out" >&2; die "the workers exited before they started"; }
    [ "$i" = 120 ] && { tail -50 "$out" >&2; die "the workers did not start within 60 s"; }
    sleep 0.5
  done
}
