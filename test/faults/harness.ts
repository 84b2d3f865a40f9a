/**
 * Shared pieces of the fault suites (test/faults/*.fault.ts): worker child processes, an
 * independent ledger of what the app acknowledged, the checks against the database, the fakes
 * and the mail catcher, and the figures each suite adds to the JSON line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pool } from "@/server/db";

export const ROOT = join(dirname(new URL(import.meta.url).pathname), "..", "..");
export const BASE = process.env.FAULTS_BASE_URL ?? "";
const RESULTS = process.env.FAULTS_FAULT_RESULTS ?? join(ROOT, ".data/faults/faults.json");

/**
 * alerts_duplicated counts every extra alert row and every extra mail the SMTP server accepted.
 * alerts_duplicated_unrecognisable (optional) counts only the extras a recipient cannot tell from a
 * new alert: a second row, or a second Message-ID for one crossing. A suite that does not compute
 * it is summed with its alerts_duplicated (scripts/test-faults.sh).
 */
export type Figures = {
  events_lost: number;
  events_double_counted: number;
  alerts_duplicated: number;
  alerts_duplicated_unrecognisable?: number;
  alerts_missed: number;
  pauses_unconfirmed: number;
  detail?: unknown;
};

/** Adds one suite's figures to the results file scripts/test-faults.sh sums into the JSON line. */
export function recordFigures(suite: string, f: Figures) {
  mkdirSync(dirname(RESULTS), { recursive: true });
  const all = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, Figures>) : {};
  all[suite] = f;
  writeFileSync(RESULTS, JSON.stringify(all, null, 2));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Outbound settings the worker children need to reach the fakes and the mail catcher on loopback. */
export function workerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PROVIDER_ALLOWED_HOSTS: "openrouter.ai,api.openai.com,127.0.0.1,localhost",
    OUTBOUND_ALLOW_LOOPBACK: "1",
    ...extra,
  };
}

export type WorkerChild = { proc: ChildProcess; log: string[]; exited: Promise<NodeJS.Signals | number | null> };

/**
 * The workers as one child process: the built bundle (dist/workers/main.mjs, which
 * scripts/test-faults.sh builds; it starts in a fraction of tsx's time on a busy machine), else
 * `node --import tsx workers/main.ts`; resolves once its queues are listening. Never the `tsx` CLI:
 * it runs the script in a second node process, and SIGKILL of the CLI left that one working
 * (worker-child.fault.ts).
 */
export async function spawnWorker(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<WorkerChild> {
  const bundle = join(ROOT, "dist/workers/main.mjs");
  const args = existsSync(bundle) ? [bundle] : ["--import", "tsx", join(ROOT, "workers/main.ts")];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  const exited = new Promise<NodeJS.Signals | number | null>((r) => proc.on("exit", (code, signal) => r(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${timeoutMs} ms:\n${log.join("")}`)), timeoutMs);
    const take = (d: Buffer) => {
      log.push(d.toString());
      if (log.length > 400) log.splice(0, 100);
      if (/started \d+ queues/.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", take);
    proc.stderr!.on("data", take);
    void exited.then((s) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${s}) before it started:\n${log.join("")}`));
    });
  });
  return { proc, log, exited };
}

export async function killHard(w: WorkerChild) {
  if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGKILL");
  await w.exited;
}

export async function stopGracefully(w: WorkerChild) {
  if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGTERM");
  const t = setTimeout(() => w.proc.kill("SIGKILL"), 5_000); // the suites are done with it: do not wait for long jobs
  await w.exited;
  clearTimeout(t);
}

/** What the test itself saw: every event the app acknowledged with 202, and its cost. */
export class Ledger {
  acked = new Map<string, bigint>();
  statuses: Record<string, number> = {};
  falseAcks = 0;
  note(status: number) {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }
  get costMicros() {
    let s = 0n;
    for (const c of this.acked.values()) s += c;
    return s;
  }
}

type PushEvent = { id: string; costMicros: bigint; [k: string]: unknown };

/**
 * Sends one batch to the ingest API until it is acknowledged (202), like a client with retries:
 * the same ids every time, so a retry after a lost answer must not count twice.
 */
export async function pushUntilAcked(token: string, events: PushEvent[], ledger: Ledger, opts: { maxTries?: number } = {}) {
  const body = JSON.stringify({
    events: events.map(({ costMicros, ...e }) => ({ ...e, cost_usd: (Number(costMicros) / 1e6).toFixed(6) })),
  });
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    try {
      const res = await fetch(new URL("/api/v1/usage", BASE), { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0; // connection reset: the client does not know; it retries
    }
    ledger.note(status);
    if (status === 202) {
      for (const e of events) ledger.acked.set(e.id, e.costMicros);
      return attempt;
    }
    if (status >= 400 && status < 500 && status !== 429) throw new Error(`ingest refused a valid batch: ${status}`);
    if (attempt >= (opts.maxTries ?? 60)) throw new Error(`batch not acknowledged after ${attempt} tries (last ${status})`);
    await sleep(Math.min(2_000, 100 * attempt));
  }
}

/**
 * Compares the ledger with the database in one snapshot: every acknowledged event is there once,
 * and every rollup level (minute, hour, day) holds exactly the ledger's requests and cost.
 * `lost` counts acknowledged events missing (or rollup requests missing), `double` extra rows or
 * rollup requests beyond the ledger.
 */
export async function checkEvents(workspaceId: string, ledger: Ledger, opts: { rollups?: boolean } = {}) {
  // Without rollups (a workspace that also has poll fills): pushed rows only.
  const withRollups = opts.rollups !== false;
  const ids = [...ledger.acked.keys()];
  const db = await pool.connect();
  try {
    await db.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const rows = (
      await db.query<{ externalId: string; n: number }>(
        `SELECT "externalId", count(*)::int AS n FROM usage_events WHERE "workspaceId" = $1 ${withRollups ? "" : "AND source <> 'poll'"} GROUP BY 1`,
        [workspaceId],
      )
    ).rows;
    const roll = (
      await db.query<{ granularity: string; requests: string; cost: string }>(
        `SELECT granularity::text, sum(requests)::text AS requests, sum("costMicros")::text AS cost FROM usage_rollups WHERE "workspaceId" = $1 GROUP BY 1 ORDER BY 1`,
        [workspaceId],
      )
    ).rows;
    await db.query("COMMIT");
    const seen = new Map(rows.map((r) => [r.externalId, r.n]));
    let lost = 0;
    let double = 0;
    for (const id of ids) {
      const n = seen.get(id) ?? 0;
      if (n === 0) lost += 1;
      if (n > 1) double += n - 1;
    }
    // Rows the ledger never saw acknowledged: a write answered with an error (a false non-202 is
    // harmless only if the client's retry then finds the id already claimed; here every batch is
    // retried until 202, so every written id must be in the ledger).
    const unacked = rows.filter((r) => !ledger.acked.has(r.externalId)).length;
    const levels = (withRollups ? roll : []).map((r) => ({ granularity: r.granularity, requests: BigInt(r.requests), cost: BigInt(r.cost) }));
    for (const l of levels) {
      const dr = l.requests - BigInt(ids.length);
      if (dr > 0n) double += Number(dr);
      if (dr < 0n) lost += Number(-dr);
    }
    const costOk = levels.length > 0 && levels.every((l) => l.cost === ledger.costMicros);
    return { acked: ids.length, rows: rows.length, lost, double, unacked, levels: levels.map((l) => ({ ...l, requests: String(l.requests), cost: String(l.cost) })), costOk, ledgerCost: String(ledger.costMicros) };
  }  finally {
    db.release();
  }
}

/** Polls `check` until it returns true or the time is up; returns whether it converged. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 1_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
