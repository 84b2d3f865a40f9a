/**
 * Polls one OpenAI organisation with its admin key:
 * 1. projects and their API keys → tracked provider keys (every KEYS_EVERY_MS);
 * 2. usage in 1h buckets grouped by project, API key, model and user. OpenAI keeps revising
 *    recent buckets, so every poll re-reads a trailing window (TRAILING_MS before the last read)
 *    and upserts: PolledUsage rows by their unique key and the reconciled `poll` events by
 *    externalId — never appended. Token endpoints (completions, embeddings, moderations) are
 *    reconciled into usage events, each against pushed events of its own kind; the others (images, audio, vector stores, …) are kept as
 *    PolledUsage only and read every SECONDARY_EVERY_MS (their spend reaches Tollgate through
 *    the Costs API lines);
 * 3. costs, 1d buckets by project and line item → ProviderCostLine (every COSTS_EVERY_MS), and
 *    from them spend: lines no usage explains, and each closed day's total (cost-lines.ts).
 * The first poll backfills 30 days.
 */
import { usdToMicros } from "@/lib/money";
import { prisma } from "@/server/db";
import { OpenAIAdminClient, type OpenAIUsageKind } from "@/providers/openai/client";
import { USAGE_GROUP_BY, USAGE_KINDS } from "@/providers/openai/schemas";
import type { OpenAIUsageResult } from "@/providers/openai/schemas";
import { keyAttribution, syncOpenAIKeys } from "./keys";
import { DAY_MS, HOUR_MS, due, floorTo, runPoll, type PollContext, type PollOptions, type PollResult } from "./poll-run";
import { reconcilePolled, storePolledUsage, type PolledRow } from "./reconcile";
import { reconcileCostLines } from "./cost-lines";
import { recordBillDrift } from "./bill-drift";

const KEYS_EVERY_MS = 15 * 60_000;
const SECONDARY_EVERY_MS = HOUR_MS;
const COSTS_EVERY_MS = HOUR_MS;
const TRAILING_MS = 48 * HOUR_MS;
const BACKFILL_MS = 30 * DAY_MS;
const COSTS_TRAILING_MS = 3 * DAY_MS;
/** Pushed events older than this may be gone (workspace retention ≥ 30 days): don't reconcile them. */
const RECONCILE_MAX_AGE_MS = 29 * DAY_MS;
const TOKEN_KINDS: OpenAIUsageKind[] = ["completions", "embeddings", "moderations"];
const GROUP_DIMS = ["project_id", "user_id", "api_key_id", "model"];

const big = (v: number | null | undefined) => BigInt(Math.max(0, Math.trunc(v ?? 0)));

function toRow(kind: OpenAIUsageKind, startSec: number, r: OpenAIUsageResult): PolledRow {
  return {
    bucketStart: new Date(startSec * 1000),
    bucketSeconds: 3600,
    keyRef: r.api_key_id ?? "",
    projectRef: r.project_id ?? "",
    userRef: r.user_id ?? "",
    model: r.model ?? (TOKEN_KINDS.includes(kind) ? "unknown" : ""),
    metrics: {
      requests: big(r.num_model_requests ?? r.num_requests ?? r.num_sessions ?? r.sessions),
      // `input_tokens` includes cached and cache-write tokens, like Tollgate's inputTokens.
      inputTokens: big(r.input_tokens),
      outputTokens: big(r.output_tokens),
      cachedTokens: big(r.input_cached_tokens),
      cacheWriteTokens: big(r.input_cache_write_tokens),
      reasoningTokens: 0n,
      // Usage buckets carry no money: the poll events are priced from the catalog.
      costMicros: null,
    },
  };
}

async function syncKeys(client: OpenAIAdminClient, p: PollContext) {
  const projects = await client.listProjects({ includeArchived: true });
  const entries = [];
  for (const project of projects) for (const key of await client.listProjectApiKeys(project.id)) entries.push({ project, key });
  p.stats.projects = projects.length;
  p.stats.keys = entries.length;
  return syncOpenAIKeys(p.conn, entries, p.now);
}

async function readUsage(client: OpenAIAdminClient, kind: OpenAIUsageKind, startSec: number): Promise<PolledRow[]> {
  const groupBy = USAGE_GROUP_BY[kind].filter((g) => GROUP_DIMS.includes(g));
  const buckets = await client.usage(kind, { start_time: startSec, bucket_width: "1h", group_by: groupBy });
  return buckets.flatMap((b) => b.results.map((r) => toRow(kind, b.start_time, r)));
}

async function syncCosts(client: OpenAIAdminClient, p: PollContext, startSec: number) {
  const buckets = await client.costs({ start_time: startSec, group_by: ["project_id", "line_item"] });
  let n = 0;
  for (const b of buckets) {
    const day = new Date(b.start_time * 1000);
    const lines = new Map<string, { projectRef: string; lineItem: string; amountMicros: bigint; quantityUnit: string | null }>();
    for (const r of b.results) {
      const projectRef = r.project_id ?? "";
      const lineItem = r.line_item ?? "";
      const k = `${projectRef}\u0000${lineItem}`;
      const prev = lines.get(k);
      lines.set(k, { projectRef, lineItem, amountMicros: (prev?.amountMicros ?? 0n) + usdToMicros(r.amount?.value ?? 0), quantityUnit: prev?.quantityUnit ?? r.quantity_unit ?? null });
    }
    // The day's lines as OpenAI states them now, in one transaction: a line an earlier read stored
    // that this one lacks (revised away or renamed) goes, or the day's bill would keep it.
    const keep = [...lines.values()].map(({ projectRef, lineItem }) => ({ projectRef, lineItem }));
    await prisma.$transaction([
      ...[...lines.values()].map(({ projectRef, lineItem, amountMicros, quantityUnit }) =>
        prisma.providerCostLine.upsert({
          where: { connectionId_day_projectRef_lineItem: { connectionId: p.conn.id, day, projectRef, lineItem } },
          create: { orgId: p.conn.orgId, connectionId: p.conn.id, day, projectRef, lineItem, amountMicros, quantityUnit },
          update: { amountMicros, quantityUnit, fetchedAt: p.now },
        }),
      ),
      prisma.providerCostLine.deleteMany({ where: { connectionId: p.conn.id, day, NOT: { OR: keep.length ? keep : [{ lineItem: { in: [] } }] } } }),
    ]);
    n += lines.size;
  }
  p.stats.costLines = n;
  // The bill becomes spend: non-token lines as they come, and each closed day's total (cost-lines.ts).
  p.stats.costEvents = await reconcileCostLines(p.conn, buckets.map((b) => new Date(b.start_time * 1000)), p.now);
  p.stats.billDriftAlerts = await recordBillDrift(p.conn, buckets.map((b) => new Date(b.start_time * 1000)), p.now);
}

export async function pollOpenAI(connectionId: string, opts: PollOptions = {}): Promise<PollResult> {
  return runPoll(connectionId, "openai", opts, async (p) => {
    const client = new OpenAIAdminClient({ apiKey: p.conn.secret, baseUrl: p.baseUrl, fetch: opts.fetch, sleep: opts.sleep, maxRetries: opts.maxRetries ?? 3 });
    const now = p.now.getTime();

    let attribution;
    if (p.backfill || due(p.cursors, "openai.keys", p.now, KEYS_EVERY_MS)) {
      attribution = await syncKeys(client, p);
      p.cursors["openai.keys"] = p.now.toISOString();
    } else attribution = await keyAttribution(p.conn, "openai");

    // Usage window: from (last read − trailing window), at most 30 days back, hour-aligned.
    const lastRead = p.cursors["openai.usage"] ? Date.parse(p.cursors["openai.usage"]) : NaN;
    const from = p.backfill || Number.isNaN(lastRead) ? now - BACKFILL_MS : Math.max(now - BACKFILL_MS, Math.min(now, lastRead) - TRAILING_MS);
    const startSec = floorTo(from, HOUR_MS) / 1000;
    const reconcileFrom = now - RECONCILE_MAX_AGE_MS;
    // All token endpoints of a bucket are reconciled together, each against the pushed events
    // of its own kind (reconcile-math.ts): chat pushes never offset polled embeddings.
    const byEndpoint = new Map<string, PolledRow[]>();
    for (const kind of TOKEN_KINDS) byEndpoint.set(`openai.${kind}`, await readUsage(client, kind, startSec));
    const res = await reconcilePolled(p.conn, byEndpoint, reconcileFrom, attribution, p.now);
    p.cursors["openai.usage"] = p.now.toISOString();
    p.stats.usageRows = [...byEndpoint.values()].reduce((n, rows) => n + rows.length, 0);
    p.stats.pollEvents = res.written;

    if (p.backfill || due(p.cursors, "openai.secondary", p.now, SECONDARY_EVERY_MS)) {
      const lastSecondary = p.cursors["openai.secondary"] ? Date.parse(p.cursors["openai.secondary"]) : NaN;
      const secFrom = Number.isNaN(lastSecondary) || p.backfill ? now - BACKFILL_MS : Math.max(now - BACKFILL_MS, lastSecondary - TRAILING_MS);
      for (const kind of USAGE_KINDS.filter((k) => !TOKEN_KINDS.includes(k))) {
        await storePolledUsage(p.conn, `openai.${kind}`, await readUsage(client, kind, floorTo(secFrom, HOUR_MS) / 1000));
      }
      p.cursors["openai.secondary"] = p.now.toISOString();
    }

    if (p.backfill || due(p.cursors, "openai.costs", p.now, COSTS_EVERY_MS)) {
      const costFrom = p.backfill || !p.cursors["openai.costs"] ? now - BACKFILL_MS : now - COSTS_TRAILING_MS;
      await syncCosts(client, p, floorTo(costFrom, DAY_MS) / 1000);
      p.cursors["openai.costs"] = p.now.toISOString();
    }
  });
}
