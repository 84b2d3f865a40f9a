/**
 * Bench plumbing for `npm run bench:ingest`: a fresh database, a production build when the
 * current one is missing or stale, `next start` on a free loopback port, and the org,
 * workspace, tags, members, keys and ingest token the workload needs.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { dropDatabase, migrate } from "../scripts/migrate-lib";

export const ROOT = join(import.meta.dirname, "..");

export const secrets = {
  NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
  ENCRYPTION_KEY: randomBytes(32).toString("hex"),
};

export function log(msg: string) {
  process.stderr.write(`\x1b[1;34m[bench]\x1b[0m ${msg}\n`);
}

export async function resetDatabase(url: string) {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`The benchmark refuses a non-local database (${host})`);
  await dropDatabase(url);
  await migrate(url, join(ROOT, "prisma", "migrations"));
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return /\.(test|int\.test|spec)\.tsx?$|\.md$/.test(path) ? 0 : st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

/**
 * Builds when there is no build, no compiled ingest route, or a source the ingest route
 * depends on changed since (other pages changing doesn't make an ingest measurement stale,
 * and a rebuild costs minutes of the machine's 2 cores).
 */
export function ensureBuild() {
  const buildId = join(ROOT, ".next", "BUILD_ID");
  const route = join(ROOT, ".next", "server", "app", "api", "v1", "usage", "route.js");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const sources = [
    "src/features/ingest",
    "src/features/pricing",
    "src/features/providers/server",
    "src/features/budgets/server",
    "src/server",
    "src/lib",
    "src/env.ts",
    "src/app/api/v1/usage",
    "src/app/api/otlp",
    "src/generated",
    "next.config.ts",
    "tsconfig.json",
    "package-lock.json",
  ];
  const stale = builtAt === 0 || !existsSync(route) || sources.some((s) => newestMtime(join(ROOT, s)) > builtAt);
  if (!stale) return log("using the existing production build (.next)");
  log("building the app (next build) — this takes a while");
  const res = spawnSync(join(ROOT, "node_modules", ".bin", "next"), ["build"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...secrets },
  });
  if (res.status !== 0) throw new Error("next build failed");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export type App = { url: string; pid: number; stop(): Promise<void> };

/**
 * CPU seconds (user + system) and resident memory of a process group (a server and
 * anything it spawned), from /proc (Linux).
 */
export function groupStats(pgid: number): { cpuS: number; rssMb: number } {
  return pidStats(groupPids(pgid));
}

/** The processes of a process group (one scan of /proc). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** CPU seconds (user + system) and resident memory of the given processes. */
export function pidStats(pids: number[]): { cpuS: number; rssMb: number } {
  let cpuS = 0;
  let rssMb = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuS += (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100)
      rssMb += (Number(f[21]) * 4096) / 1048576; // rss pages
    } catch {
      /* exited meanwhile */
    }
  }
  return { cpuS, rssMb };
}

/** CPU seconds of one process (a Postgres backend). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Stops a detached child and its process group (SIGTERM, then SIGKILL after 5 s). */
function stopper(child: ChildProcess) {
  return async () => {
    if (child.exitCode !== null || !child.pid) return;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };
}

/** dist/workers/main.mjs, rebuilt (esbuild, a few seconds) when missing or older than a worker source. */
function workerBundle(): string {
  const bundle = join(ROOT, "dist", "workers", "main.mjs");
  const builtAt = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  if (builtAt === 0 || ["workers", "src", "package-lock.json"].some((s) => newestMtime(join(ROOT, s)) > builtAt)) {
    log("bundling the workers (npm run build:workers)");
    const res = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "build-workers.ts")], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    if (res.status !== 0) throw new Error("npm run build:workers failed");
  }
  return bundle;
}

/** `node dist/workers/main.mjs` in its own process group; resolves once its queues are started. */
export async function startWorker(env: Record<string, string>, n: number): Promise<{ pid: number; stop(): Promise<void> }> {
  mkdirSync(join(ROOT, ".data", "bench"), { recursive: true });
  const logPath = join(ROOT, ".data", "bench", `worker-${n}.log`);
  const logFd = openSync(logPath, "w");
  // The production bundle (npm run build:workers), so RSS and CPU are what production runs.
  const child = spawn(process.execPath, [workerBundle()], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, ...env, ...secrets, NODE_ENV: "production" },
  });
  const stop = stopper(child);
  const deadline = Date.now() + 90_000;
  while (!readFileSync(logPath, "utf8").includes("started")) {
    if (child.exitCode !== null) throw new Error(`worker exited; see ${logPath}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`worker did not start within 90 s; see ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { pid: child.pid!, stop };
}

/** `next start` in its own process group (stopped with everything it spawned). */
export async function startApp(env: Record<string, string>, n = 1): Promise<App> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(join(ROOT, ".data", "bench"), { recursive: true });
  const logFd = openSync(join(ROOT, ".data", "bench", n === 1 ? "next.log" : `next-${n}.log`), "w");
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: {
      ...process.env,
      ...env,
      ...secrets,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_URL: url,
      NEXTAUTH_URL: url,
    },
  });
  const stop = stopper(child);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error("next start exited; see .data/bench/next.log");
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error("next start did not become healthy within 90 s; see .data/bench/next.log");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, pid: child.pid!, stop };
}

export type Tenant = {
  orgId: string;
  workspaceId: string;
  token: string;
  projects: string[];
  memberEmails: string[];
  keyRefs: string[];
};

/** An org with 4 project tags, 3 more members and 3 tracked OpenRouter keys, and a token. */
export async function createTenant(): Promise<Tenant> {
  // Imported here: these modules read DATABASE_URL when first loaded.
  const { signUp } = await import("@/features/tenancy/server/orgs");
  const { resolveTenant } = await import("@/server/tenant");
  const { createIngestToken } = await import("@/features/ingest/server/tokens");
  const { prisma } = await import("@/server/db");
  const tag = randomBytes(3).toString("hex");
  const { user, org } = await signUp({ name: "Bench", email: `bench-${tag}@example.test`, password: "bench password 123", orgName: `Bench ${tag}` });
  const ws = await prisma.workspace.findFirstOrThrow({ where: { orgId: org.id } });
  // The limiter runs on every request but never throttles the benchmark.
  await prisma.workspace.update({ where: { id: ws.id }, data: { ingestRateLimit: 100_000_000 } });
  const projects = ["search", "checkout", "support-bot", "analytics"];
  await prisma.projectTag.createMany({ data: projects.map((slug) => ({ orgId: org.id, workspaceId: ws.id, slug, name: slug })) });
  const memberEmails = [1, 2, 3].map((i) => `dev${i}-${tag}@example.test`);
  for (const email of memberEmails) {
    const u = await prisma.user.create({ data: { email, name: email } });
    await prisma.membership.create({ data: { orgId: org.id, userId: u.id, role: "member" } });
  }
  const keyRefs = ["sk-or-hash-a", "sk-or-hash-b", "sk-or-hash-c"];
  await prisma.providerKey.createMany({ data: keyRefs.map((k) => ({ orgId: org.id, provider: "openrouter" as const, providerKeyId: k, label: k })) });
  // A budget over the org, so every batch wakes budgets and the workers evaluate it.
  await prisma.budget.create({ data: { orgId: org.id, name: "bench", scope: "org", period: "monthly", amountMicros: 10n ** 15n } });
  const ctx = await resolveTenant(user.id, org.slug);
  const { token } = await createIngestToken(ctx, { workspaceId: ws.id, name: "bench" });
  await prisma.$disconnect();
  return { orgId: org.id, workspaceId: ws.id, token, projects, memberEmails, keyRefs };
}
