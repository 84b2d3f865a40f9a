/**
 * Polls one OpenRouter connection with its management key:
 * 1. every workspace's keys (discover-keys.ts: /workspaces, then /keys?workspace_id=…, all pages,
 *    disabled included) → tracked provider keys (keys.ts), placed in the Tollgate workspaces
 *    their OpenRouter workspaces map to, with their members (openrouter-account.ts);
 * 2. GET /credits → a credit snapshot (credits.ts);
 * 3. GET /activity per key (+ once unfiltered, for spend of keys it no longer lists) → daily
 *    rows per key and model → PolledUsage and reconciled `poll` events (reconcile.ts).
 *    /activity covers only the last 30 *completed* UTC days and changes at most daily, so it
 *    is read on the first poll after a UTC day ends or every ACTIVITY_EVERY_MS.
 *    With it, /activity?group_by=workspace is reconciled per workspace (workspace-spend.ts).
 * Cost of pushed events that came without one is filled separately (fill-costs.ts).
 */
import { usdToMicros } from "@/lib/money";
import { OpenRouterClient, type OpenRouterActivityItem, type OpenRouterKey } from "@/providers/openrouter/client";
import { recordCreditSnapshot } from "./credits";
import { keyAttribution, syncOpenRouterKeys } from "./keys";
import { discoverOpenRouterAccount } from "./discover-keys";
import { applyOpenRouterAccount } from "./openrouter-account";
import { reconcileWorkspaceSpend } from "./workspace-spend";
import { DAY_MS, due, floorTo, runPoll, type PollOptions, type PollResult } from "./poll-run";
import { reconcilePolled, type PolledRow } from "./reconcile";
import { recordBillDrift } from "./bill-drift";
import { recordKeyReadings } from "./key-readings";
import { getConnectionForJob } from "./connections";
import { CONNECTION_GRACE_MS } from "./fill-guard";
import { baseUrlOf } from "./base-url";

const ACTIVITY_EVERY_MS = 6 * 3_600_000;
/** Days re-reconciled after the first backfill (a completed day can still be revised briefly). */
const ACTIVITY_TRAILING_DAYS = 3;
/**
 * Raw pushed events are deleted after the workspace retention (≥ 30 days). A day whose pushed
 * events may already be gone can't be compared, so reconciliation stops one day short of it.
 */
const RECONCILE_MAX_AGE_DAYS = 29;
const ENDPOINT = "openrouter.activity";

function toRow(item: OpenRouterActivityItem, keyRef: string): PolledRow {
  return {
    bucketStart: new Date(`${item.date.slice(0, 10)}T00:00:00.000Z`),
    bucketSeconds: 86_400,
    keyRef,
    projectRef: "",
    userRef: "",
    model: item.model,
    metrics: {
      requests: BigInt(item.requests),
      inputTokens: BigInt(item.prompt_tokens),
      // Reasoning tokens are part of completion tokens at OpenRouter (reference §4).
      outputTokens: BigInt(item.completion_tokens),
      cachedTokens: 0n,
      cacheWriteTokens: 0n,
      reasoningTokens: BigInt(item.reasoning_tokens),
      costMicros: usdToMicros(item.usage),
    },
  };
}

/** Per-key activity, plus what the unfiltered total has beyond the listed keys (keyRef ''). */
async function readActivity(client: OpenRouterClient, keys: OpenRouterKey[]): Promise<PolledRow[]> {
  const rows: PolledRow[] = [];
  const keyed = new Map<string, PolledRow>();
  // Every listed key is read, even one whose `usage` is 0: that is its credit usage, and a key used
  // only for :free models (or BYOK) has activity without any. Its rows must stay on the key: in
  // the keyless residual they would not be offset by the key's pushed events (counted twice).
  for (const k of keys) {
    for (const item of await client.getActivity({ apiKeyHash: k.hash })) {
      const r = toRow(item, k.hash);
      rows.push(r);
      const id = `${r.bucketStart.toISOString()}|${r.model}`;
      const sum = keyed.get(id);
      keyed.set(id, sum ? { ...sum, metrics: addMetrics(sum.metrics, r.metrics) } : { ...r, keyRef: "" });
    }
  }
  const totals = new Map<string, PolledRow>();
  for (const item of await client.getActivity()) {
    const r = toRow(item, "");
    const id = `${r.bucketStart.toISOString()}|${r.model}`;
    const prev = totals.get(id);
    totals.set(id, prev ? { ...prev, metrics: addMetrics(prev.metrics, r.metrics) } : r);
  }
  for (const [id, total] of totals) {
    const residual = subtractFloor(total.metrics, keyed.get(id)?.metrics);
    if (residual) rows.push({ ...total, metrics: residual });
  }
  return rows;
}

type M = PolledRow["metrics"];
const FIELDS = ["requests", "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens", "reasoningTokens"] as const;
function addMetrics(a: M, b: M): M {
  const out = { ...a, costMicros: (a.costMicros ?? 0n) + (b.costMicros ?? 0n) };
  for (const f of FIELDS) out[f] = a[f] + b[f];
  return out;
}
function subtractFloor(total: M, part: M | undefined): M | null {
  const out = { ...total };
  let any = false;
  for (const f of [...FIELDS, "costMicros"] as const) {
    const v = (total[f] ?? 0n) - (part?.[f] ?? 0n);
    out[f] = v > 0n ? v : 0n;
    if (v > 0n) any = true;
  }
  return any ? out : null;
}

export async function pollOpenRouter(connectionId: string, opts: PollOptions = {}): Promise<PollResult> {
  return runPoll(connectionId, "openrouter", opts, async (p) => {
    const client = new OpenRouterClient({ apiKey: p.conn.secret, baseUrl: p.baseUrl, fetch: opts.fetch, sleep: opts.sleep, maxRetries: opts.maxRetries ?? 3 });
    const account = await discoverOpenRouterAccount(client);
    const keys = account.keys;
    const attribution = await applyOpenRouterAccount(p.conn, account, await syncOpenRouterKeys(p.conn, keys, p.now), p.now);
    p.stats.keys = keys.length;
    p.stats.workspaces = account.workspaces.length;
    // The keys' running counters: spend since the last reading, within minutes (key-readings.ts).
    // Stamped when the counters were read (after discovery), so readings order as they were taken.
    p.stats.keyReadingEvents = (await recordKeyReadings(p.conn, keys, opts.now ? p.now : new Date(), attribution)).written;

    await recordCreditSnapshot(p.conn, await client.getCredits(), p.now);
    p.stats.creditSnapshots = 1;

    const lastRead = p.cursors[ENDPOINT] ? Date.parse(p.cursors[ENDPOINT]) : NaN;
    const newDay = !Number.isNaN(lastRead) && floorTo(lastRead, DAY_MS) < floorTo(p.now.getTime(), DAY_MS);
    if (p.backfill || newDay || due(p.cursors, ENDPOINT, p.now, ACTIVITY_EVERY_MS)) {
      const rows = await readActivity(client, keys);
      const today = floorTo(p.now.getTime(), DAY_MS);
      const oldest = today - RECONCILE_MAX_AGE_DAYS * DAY_MS;
      const from = p.backfill || Number.isNaN(lastRead) ? oldest : Math.max(oldest, floorTo(lastRead, DAY_MS) - ACTIVITY_TRAILING_DAYS * DAY_MS);
      const res = await reconcilePolled(p.conn, new Map([[ENDPOINT, rows]]), from, attribution);
      const days = [...new Set(rows.map((r) => r.bucketStart.getTime()).filter((t) => t >= from))].map((t) => new Date(t));
      p.stats.billDriftAlerts = await recordBillDrift(p.conn, days, p.now);
      if (account.workspaces.length > 0) p.stats.workspaceDays = (await reconcileWorkspaceSpend(p.conn, await client.getActivity({ groupBy: "workspace" }), p.now)).length;
      p.cursors[ENDPOINT] = p.now.toISOString();
      p.stats.activityRows = rows.length;
      p.stats.pollEvents = res.written;
    }
  });
}

/**
 * The light per-minute job (`providers.read-key-usage`): only the key lists (discover-keys.ts) and
 * the counters' differences. Keys, workspaces, credits and /activity stay with the full poll; a
 * failure here is left to the full poll to diagnose (it marks the connection broken), so this
 * never touches the connection's status or cursors.
 */
export async function readOpenRouterKeyUsage(connectionId: string, opts: PollOptions = {}) {
  const conn = await getConnectionForJob(connectionId);
  const now = opts.now?.() ?? new Date();
  if (conn.provider !== "openrouter" || conn.status !== "active") return { status: "skipped" as const, spendMicros: 0n };
  if (now.getTime() - conn.createdAt.getTime() < CONNECTION_GRACE_MS) return { status: "skipped" as const, spendMicros: 0n };
  const client = new OpenRouterClient({ apiKey: conn.secret, baseUrl: baseUrlOf(conn), fetch: opts.fetch, sleep: opts.sleep, maxRetries: opts.maxRetries ?? 1 });
  const account = await discoverOpenRouterAccount(client);
  const readAt = opts.now ? now : new Date(); // when the counters were read: readings order by it
  const res = await recordKeyReadings(conn, account.keys, readAt, await keyAttribution(conn, "openrouter"));
  return { status: "ok" as const, spendMicros: res.spendMicros };
}
