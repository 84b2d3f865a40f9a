/**
 * npm run bench:alerts — from a budget crossing to the email and to the key pause, and how
 * much is spent past the cap, with the real pieces on loopback:
 *   fake OpenRouter + fake OpenAI (inference endpoints charge keys/projects and refuse disabled
 *   keys, keys over their credit limit, projects over their hard spend limit) · the real push
 *   route handler (POST /api/v1/usage) on a local HTTP server · BullMQ workers in-process
 *   (startWorkers) · a real SMTP server (the mail catcher) · a fresh `tollgate_bench_alerts` DB.
 *
 * Workload: every key has its own hard, key-scoped daily budget with thresholds 50/100 and its
 * own recipient. A driver per key loops: one inference request at the fake provider → push
 * that request's usage (cost as the provider reported it) to the ingest API → next, until the
 * provider refuses the key (bounded by MAX_REQUESTS per key). Groups:
 *   - OpenRouter, limit sync off: paused at 100% by PATCH /keys/{hash} disabled=true;
 *   - OpenRouter, limit sync on: the key's credit limit follows the remaining budget;
 *   - OpenAI: paused at 100% through the project's hard spend limit.
 *
 * Measured:
 *   - crossing → email: the crossing moment is when the provider answered the request whose
 *     cost took the key's spend over the threshold (spend happened then; ingest lag is part of
 *     the latency); the email moment is when the SMTP server received it (catcher timestamp).
 *   - crossing (100%) → pause confirmed: `enforcement_actions.confirmedAt`, set right after
 *     Tollgate read the key back from the provider as disabled / limited.
 *   - overshoot: provider-side spend of the key minus the budget amount (≥ 0), per key; the
 *     JSON reports the worst key of each OpenRouter group.
 * Env: BENCH_KEYS_UNSYNCED (12), BENCH_KEYS_SYNCED (6), BENCH_KEYS_OPENAI (6), BENCH_INTERVAL_MS (100) between a
 * key's requests, BENCH_STAGGER_MS (4000) over which the keys' first requests are spread.
 */
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { dropDatabase, migrate } from "../scripts/migrate-lib";

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const N_UNSYNCED = num("BENCH_KEYS_UNSYNCED", 12);
const N_SYNCED = num("BENCH_KEYS_SYNCED", 6);
const N_OPENAI = num("BENCH_KEYS_OPENAI", 6);
const INTERVAL_MS = num("BENCH_INTERVAL_MS", 100);
const STAGGER_MS = num("BENCH_STAGGER_MS", 4_000);
const MAX_REQUESTS = 200; // per key: the run is bounded whatever happens
const BUDGET_USD = 1; // per key
const DB_URL = process.env.BENCH_ALERTS_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tollgate_bench_alerts";
const ROOT = join(import.meta.dirname, "..");

const log = (m: string) => process.stderr.write(`\x1b[1;34m[bench:alerts]\x1b[0m ${m}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

type Group = "openrouter-unsynced" | "openrouter-synced" | "openai";
type KeyRun = {
  group: Group;
  keyRowId: string;
  ref: string; // provider key id used in pushes
  recipient: string;
  budgetId: string;
  amountMicros: bigint;
  spentMicros: bigint; // what the provider charged, as seen by the driver
  requests: number;
  refusedWith: string | null;
  crossings: Map<number, number>; // threshold → ms epoch of the provider response that crossed it
  perRequestMicros: bigint;
};

async function main() {
  const host = new URL(DB_URL).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`The benchmark refuses a non-local database (${host})`);
  log(`resetting ${new URL(DB_URL).pathname.slice(1)}`);
  await dropDatabase(DB_URL);
  await migrate(DB_URL, join(ROOT, "prisma", "migrations"));
  const [smtpPort, mailHttpPort] = [await freePort(), await freePort()];
  Object.assign(process.env, {
    DATABASE_URL: DB_URL,
    REDIS_PREFIX: `tg-bench-alerts-${process.pid}`,
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(smtpPort),
    APP_URL: "http://127.0.0.1:3000",
    LOG_LEVEL: "warn",
  });

  // Imported after the env is set: these modules read it when first loaded.
  const { startMailCatcher } = await import("../src/dev/mail-catcher");
  const { startFakeOpenRouter } = await import("../src/providers/openrouter/fake");
  const { startFakeOpenAI } = await import("../src/providers/openai/fake");
  const { OpenRouterClient } = await import("../src/providers/openrouter/client");
  const { OpenAIAdminClient } = await import("../src/providers/openai/client");
  const { startWorkers } = await import("../workers/run");
  // The push route's own service (src/app/api/v1/usage/route.ts only adapts Request ↔ this);
  // mounted on a plain HTTP server so the bench needs no `next build`.
  const { ingestPushRequest } = await import("../src/features/ingest/server/push");
  const { AppError } = await import("../src/server/errors");
  const { signUp } = await import("../src/features/tenancy/server/orgs");
  const { resolveTenant } = await import("../src/server/tenant");
  const { createIngestToken } = await import("../src/features/ingest/server/tokens");
  const { prisma, pool } = await import("../src/server/db");
  const { encryptSecret } = await import("../src/server/crypto");
  const { redis } = await import("../src/server/redis");
  const { usdToMicros, formatUsd, microsToDecimalString } = await import("../src/lib/money");

  const catcher = await startMailCatcher({ smtpPort, httpPort: mailHttpPort, quiet: true, max: 100_000 });
  const or = await startFakeOpenRouter({ seed: 99 });
  const oa = await startFakeOpenAI({ seed: 98 });
  const workers = await startWorkers({ schedules: false, log: () => {} });
  const ingest = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const h = (k: string) => (typeof req.headers[k] === "string" ? (req.headers[k] as string) : null);
      const body = new Request("http://127.0.0.1/", { method: "POST", body: Buffer.concat(chunks) }).body;
      ingestPushRequest({ authorization: h("authorization"), contentEncoding: h("content-encoding"), contentLength: h("content-length"), body })
        .then((result) => res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify(result)))
        .catch((e: unknown) => res.writeHead(e instanceof AppError ? e.status : 500).end((e as Error).message));
    });
  });
  const ingestPort = await freePort();
  await new Promise<void>((r) => ingest.listen(ingestPort, "127.0.0.1", r));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  // ── tenant, connections, keys, budgets ──────────────────────────────────────────────
  const tag = randomBytes(3).toString("hex");
  const { user, org } = await signUp({ name: "Bench", email: `bench-${tag}@example.test`, password: "bench password 123", orgName: `Alerts bench ${tag}` });
  const ws = await prisma.workspace.findFirstOrThrow({ where: { orgId: org.id } });
  await prisma.workspace.update({ where: { id: ws.id }, data: { ingestRateLimit: 100_000_000 } });
  const ctx = await resolveTenant(user.id, org.slug);
  const { token } = await createIngestToken(ctx, { workspaceId: ws.id, name: "bench" });
  const orConn = await prisma.providerConnection.create({
    data: { orgId: org.id, provider: "openrouter", name: "fake OpenRouter", baseUrl: or.url, secretCiphertext: encryptSecret(or.state.managementKey), secretLast4: "xxxx", workspaceId: ws.id },
  });
  const oaConn = await prisma.providerConnection.create({
    data: { orgId: org.id, provider: "openai", name: "fake OpenAI", baseUrl: oa.url, secretCiphertext: encryptSecret(oa.state.adminKey), secretLast4: "xxxx", workspaceId: ws.id },
  });
  const amountMicros = usdToMicros(BUDGET_USD);
  const runs: (KeyRun & { call: () => Promise<{ costMicros: bigint } | { refused: string }> })[] = [];

  async function addBudget(keyRowId: string, i: number, group: Group, sync: boolean) {
    const recipient = `${group}-${i}-${tag}@bench.test`;
    const b = await prisma.budget.create({
      data: { orgId: org.id, name: `${group} ${i}`, scope: "key", providerKeyId: keyRowId, period: "daily", amountMicros, thresholds: [50, 100], mode: "hard", recipientEmails: [recipient], syncKeyLimits: sync, paceAlerts: false },
    });
    return { recipient, budgetId: b.id };
  }

  for (const [group, n] of [["openrouter-unsynced", N_UNSYNCED], ["openrouter-synced", N_SYNCED]] as const) {
    for (let i = 0; i < n; i++) {
      const fk = or.state.createKey({ name: `${group}-${i}` });
      const row = await prisma.providerKey.create({ data: { orgId: org.id, connectionId: orConn.id, provider: "openrouter", providerKeyId: fk.hash, label: `${group}-${i}`, workspaceId: ws.id } });
      const client = new OpenRouterClient({ apiKey: fk.secret, baseUrl: or.url, maxRetries: 0 });
      // $0.03 per request (2,000 completion tokens of Claude Sonnet 4 at $15/M): a $1 budget is not a multiple of it.
      const body = { model: "anthropic/claude-sonnet-4", messages: [{ role: "user", content: "bench" }], fake_usage: { prompt_tokens: 0, completion_tokens: 2_000, reasoning_tokens: 0 } };
      runs.push({
        group, keyRowId: row.id, ref: fk.hash, ...(await addBudget(row.id, i, group, group === "openrouter-synced")), amountMicros, spentMicros: 0n, requests: 0, refusedWith: null, crossings: new Map(), perRequestMicros: 30_000n,
        call: async () => {
          try {
            const r = await client.chatCompletion(body);
            return { costMicros: usdToMicros(r.usage?.cost ?? 0) };
          } catch (e) {
            return { refused: `${(e as { status?: number }).status ?? "?"} ${(e as Error).message.slice(0, 60)}` };
          }
        },
      });
    }
  }
  for (let i = 0; i < N_OPENAI; i++) {
    const project = oa.state.createProject({ name: `bench-${i}` });
    const fk = oa.state.createApiKey(project.id, { name: `svc-${i}` });
    const row = await prisma.providerKey.create({ data: { orgId: org.id, connectionId: oaConn.id, provider: "openai", providerKeyId: fk.id, providerProjectId: project.id, label: `openai-${i}`, workspaceId: ws.id } });
    const client = new OpenAIAdminClient({ apiKey: fk.secret, baseUrl: oa.url, maxRetries: 0 });
    // gpt-4o: 2,000 prompt ($0.005) + 2,500 completion ($0.025) tokens = $0.03 per request.
    const body = { model: "gpt-4o", messages: [{ role: "user", content: "bench" }], fake_usage: { prompt_tokens: 2_000, completion_tokens: 2_500 } };
    runs.push({
      group: "openai", keyRowId: row.id, ref: fk.id, ...(await addBudget(row.id, i, "openai", false)), amountMicros, spentMicros: 0n, requests: 0, refusedWith: null, crossings: new Map(), perRequestMicros: 30_000n,
      call: async () => {
        const before = oa.state.projectSpendMicros(project.id);
        try {
          await client.chatCompletion(body);
          return { costMicros: oa.state.projectSpendMicros(project.id) - before };
        } catch (e) {
          return { refused: `${(e as { status?: number }).status ?? "?"} ${(e as Error).message.slice(0, 60)}` };
        }
      },
    });
  }
  log(`${runs.length} keys with $${BUDGET_USD} hard daily budgets; workers, fakes, SMTP and ingest on loopback`);

  // ── traffic ─────────────────────────────────────────────────────────────────────────
  let pushSeq = 0;
  const push = (provider: "openrouter" | "openai", ref: string, costMicros: bigint) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({
        events: [{ id: `bench-${tag}-${++pushSeq}`, timestamp: new Date().toISOString(), provider, model: provider === "openai" ? "gpt-4o" : "anthropic/claude-sonnet-4", api_key: ref, input_tokens: 2000, output_tokens: 2000, cost_usd: microsToDecimalString(costMicros) }],
      });
      const req = http.request(
        { host: "127.0.0.1", port: ingestPort, path: "/api/v1/usage", method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 202 ? resolve() : reject(new Error(`push answered ${res.statusCode}`))));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = Date.now();
  await Promise.all(
    runs.map(async (r, i) => {
      // Keys start spread over STAGGER_MS so that their crossings are spread too, as in real
      // traffic (identical drivers started together would cross within the same few ms).
      await new Promise((res) => setTimeout(res, Math.round((i * STAGGER_MS) / runs.length)));
      while (r.requests < MAX_REQUESTS) {
        const out = await r.call();
        if ("refused" in out) {
          r.refusedWith = out.refused;
          break;
        }
        const answeredAt = Date.now();
        r.requests++;
        const before = r.spentMicros;
        r.spentMicros += out.costMicros;
        for (const t of [50, 100]) {
          const line = (r.amountMicros * BigInt(t)) / 100n;
          if (before < line && r.spentMicros >= line) r.crossings.set(t, answeredAt);
        }
        await push(r.group === "openai" ? "openai" : "openrouter", r.ref, out.costMicros);
        await new Promise((res) => setTimeout(res, INTERVAL_MS));
      }
    }),
  );
  loop.disable();
  log(`traffic done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${runs.reduce((s, r) => s + r.requests, 0)} charged requests`);

  // ── collect ─────────────────────────────────────────────────────────────────────────
  type Mail = { subject: string; receivedAt: string };
  const mailsOf = async (to: string): Promise<Mail[]> => (await (await fetch(`http://127.0.0.1:${mailHttpPort}/api/messages?to=${encodeURIComponent(to)}`)).json()) as Mail[];
  const expected = runs.flatMap((r) => [...r.crossings.keys()].map((t) => ({ r, t })));
  const deadline = Date.now() + 60_000;
  const emailMs: number[] = [];
  const missing: string[] = [];
  for (const { r, t } of expected) {
    let hit: Mail | undefined;
    for (;;) {
      hit = (await mailsOf(r.recipient)).find((m) => m.subject.includes(`reached ${t}%`));
      if (hit || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    if (hit) emailMs.push(Date.parse(hit.receivedAt) - r.crossings.get(t)!);
    else missing.push(`${r.group} ${t}% email`);
  }
  const pauseMs: number[] = [];
  for (const r of runs.filter((x) => x.crossings.has(100))) {
    let a = null;
    for (;;) {
      a = await prisma.enforcementAction.findFirst({ where: { providerKeyId: r.keyRowId, action: "pause", status: "confirmed" } });
      if (a?.confirmedAt || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    if (a?.confirmedAt) pauseMs.push(a.confirmedAt.getTime() - r.crossings.get(100)!);
    else missing.push(`${r.group} pause`);
  }
  const duplicates = (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT "budgetId", threshold FROM alerts WHERE "orgId" = $1 AND kind = 'budget_threshold' GROUP BY 1, 2 HAVING count(*) > 1) d`, [org.id])).rows[0]!.n;
  const over = (r: KeyRun) => (r.spentMicros > r.amountMicros ? r.spentMicros - r.amountMicros : 0n);
  const groupStats = (g: Group) => {
    const rs = runs.filter((r) => r.group === g);
    const os = rs.map(over);
    const max = os.reduce((m, x) => (x > m ? x : m), 0n);
    const mean = rs.length ? os.reduce((s, x) => s + x, 0n) / BigInt(rs.length) : 0n;
    return { rs, max, mean, refused: rs.filter((r) => r.refusedWith).length, crossed100: rs.filter((r) => r.crossings.has(100)).length };
  };

  // ── report ──────────────────────────────────────────────────────────────────────────
  const ms = (x: number | null) => (x === null ? "—" : `${Math.round(x)} ms`);
  const rows: [string, string][] = [
    ["keys (OpenRouter unsynced / synced / OpenAI)", `${N_UNSYNCED} / ${N_SYNCED} / ${N_OPENAI}`],
    ["budget per key · cost per request", `${formatUsd(amountMicros)} · $0.03`],
    ["charged requests", String(runs.reduce((s, r) => s + r.requests, 0))],
    ["crossing → email accepted by SMTP  p50 / p95 / max", `${ms(pct(emailMs, 50))} / ${ms(pct(emailMs, 95))} / ${ms(pct(emailMs, 100))}  (n=${emailMs.length})`],
    ["crossing → pause confirmed by provider  p50 / p95 / max", `${ms(pct(pauseMs, 50))} / ${ms(pct(pauseMs, 95))} / ${ms(pct(pauseMs, 100))}  (n=${pauseMs.length})`],
  ];
  for (const g of ["openrouter-unsynced", "openrouter-synced", "openai"] as const) {
    const s = groupStats(g);
    if (!s.rs.length) continue;
    rows.push([`${g}: spend past the cap, worst / mean key`, `${formatUsd(s.max, { cents: false })} / ${formatUsd(s.mean, { cents: false })}  (crossed 100%: ${s.crossed100}, refused by provider: ${s.refused}/${s.rs.length})`]);
  }
  rows.push(["duplicate threshold alerts", duplicates]);
  rows.push(["event-loop delay of this process during traffic  p50 / p99", `${(loop.percentile(50) / 1e6).toFixed(0)} ms / ${(loop.percentile(99) / 1e6).toFixed(0)} ms`]);
  if (missing.length) rows.push(["missing within 60 s", missing.join(", ")]);
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}\n\n`);
  const usd = (m: bigint) => Number(microsToDecimalString(m));
  process.stdout.write(
    JSON.stringify({
      bench: "alerts",
      email_p95_ms: pct(emailMs, 95),
      pause_p95_ms: pct(pauseMs, 95),
      overshoot_usd_synced: usd(groupStats("openrouter-synced").max),
      overshoot_usd_unsynced: usd(groupStats("openrouter-unsynced").max),
    }) + "\n",
  );

  // ── cleanup ─────────────────────────────────────────────────────────────────────────
  await workers.stop();
  await new Promise<void>((r) => ingest.close(() => r()));
  agent.destroy();
  await Promise.all([or.close(), oa.close(), catcher.close()]);
  const prefix = process.env.REDIS_PREFIX!;
  if (process.env.BENCH_KEEP_REDIS) log(`kept Redis keys under ${prefix}:*`);
  let cursor = process.env.BENCH_KEEP_REDIS ? "done" : "0";
  while (cursor !== "done") {
    const [next, keys] = await redis().scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    if (keys.length) await redis().del(...keys);
    cursor = next === "0" ? "done" : next;
  }
  await redis().quit();
  await prisma.$disconnect();
  await pool.end();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
