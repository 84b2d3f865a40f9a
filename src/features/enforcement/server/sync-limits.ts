import type { OpenRouterKey } from "@/providers/openrouter/client";
import { prisma } from "@/server/db";
import { withKeyLock } from "./key-lock";
import { systemContext } from "@/server/tenant";
import { usdToMicros } from "@/lib/money";
import { periodBounds } from "@/lib/periods";
import { budgetCoversKey, keysUnderBudget } from "@/features/budgets/server/coverage";
import { budgetStatus } from "@/features/budgets/server/status";
import { isOverridden, manualOverrides } from "./release";
import { openRouterFor } from "./control";
import { PROVIDER_INFO } from "@/features/providers/registry";

/**
 * Zero overshoot for OpenRouter keys under hard budgets: the key's own credit limit is kept
 * at the point where the budget runs out, so OpenRouter refuses the request that would cross
 * the cap without waiting for Tollgate's evaluation.
 *
 * OpenRouter's `limit` (USD) caps the key's usage inside its `limit_reset` window (UTC day,
 * Monday-start week, UTC month, or lifetime when null); `limit_remaining = limit − usage in
 * that window`. So with R = min over the hard budgets covering the key of (amount − spend),
 *     limit := usage_in_window(key) + R        (and never above the key's own original limit)
 * where usage_in_window is `usage` (lifetime), `usage_daily`, `usage_weekly` or
 * `usage_monthly` as `limit_reset` says. The budget's own period doesn't have to match the
 * key's window: the formula only fixes how much MORE the key may spend from now on.
 * Caveats, both closed by re-syncing after each landing and each minute: spend not yet
 * ingested makes R too generous by that amount; and when the key's window resets at a UTC
 * boundary, its window usage drops to 0 while the limit stays. Each key gets all of R, so
 * N keys spending in the same instant can overshoot up to N−1 requests.
 * When no hard budget covers the key any more, the limit it had before syncing is restored.
 */

function windowUsageMicros(k: OpenRouterKey): bigint {
  const usd = k.limit_reset === "daily" ? k.usage_daily : k.limit_reset === "weekly" ? k.usage_weekly : k.limit_reset === "monthly" ? k.usage_monthly : k.usage;
  return usdToMicros(usd ?? 0);
}

const microsToUsd = (m: bigint) => Number(m) / 1_000_000;

export type SyncResult = { keyId: string; limitMicros: bigint | null; changed: boolean; restored?: boolean };

// OpenRouter takes `limit` as a USD number and may store it rounded (to the cent, say): a
// read-back within this much of what was set counts as confirmed, and a limit within it of
// the wanted one is left alone, so rounding can never fail a sync forever or re-PATCH it.
const LIMIT_TOLERANCE_MICROS = 10_000n;
const near = (a: bigint | null, b: bigint | null) => (a === null || b === null ? a === b : (a > b ? a - b : b - a) < LIMIT_TOLERANCE_MICROS);
const limitOf = (k: OpenRouterKey) => (k.limit === null || k.limit === undefined ? null : usdToMicros(k.limit));

/**
 * Keeps one key's OpenRouter credit limit at (window usage + remaining budget). `snapshot`
 * is the key as the connection's key list showed it moments ago (syncLimitsForBudget): its
 * usage can only have grown since, which makes the limit at most that much lower until the
 * next sync, never higher.
 */
export async function syncKeyLimit(orgId: string, keyId: string, now: Date = new Date(), opts: { snapshot?: OpenRouterKey } = {}): Promise<SyncResult | null> {
  const key = await prisma.providerKey.findFirst({ where: { id: keyId, orgId }, include: { connection: true } });
  // Only providers with per-key spending limits (today OpenRouter, whose client this uses).
  if (!key || !PROVIDER_INFO[key.provider].syncsKeyLimits || !key.connection || key.status === "deleted") return null;
  const ctx = await systemContext(orgId, "limit sync");
  const [budgets, overrides] = await Promise.all([
    prisma.budget.findMany({ where: { orgId, mode: "hard", syncKeyLimits: true, OR: [{ providerFilter: null }, { providerFilter: "openrouter" }] } }),
    manualOverrides(orgId, key.id),
  ]);
  let remaining: bigint | null = null;
  for (const b of budgets) {
    const bounds = periodBounds(b.period, ctx.timeZone, now);
    if (isOverridden(overrides, b.id, bounds.start) || !(await budgetCoversKey(b, key, bounds))) continue;
    const s = await budgetStatus(b, ctx.timeZone, now);
    const left = b.amountMicros > s.spendMicros ? b.amountMicros - s.spendMicros : 0n;
    if (remaining === null || left < remaining) remaining = left;
  }
  const client = openRouterFor(key.connection);
  if (remaining === null) {
    if (!key.limitSyncActive) return { keyId, limitMicros: null, changed: false };
    const original = key.limitBeforeSyncMicros;
    forgetKeyList(key.connection.id);
    await client.updateKey(key.providerKeyId, { limit: original === null ? null : microsToUsd(original) });
    forgetKeyList(key.connection.id); // and any list read while the change was on its way
    const got = limitOf(await client.getKey(key.providerKeyId));
    if (!near(got, original)) throw new Error(`OpenRouter key ${key.label}: limit read back as ${got} instead of ${original}`);
    await prisma.providerKey.update({ where: { id: key.id }, data: { limitSyncActive: false, limitBeforeSyncMicros: null, syncedLimitMicros: null, providerLimitMicros: got } });
    return { keyId, limitMicros: got, changed: true, restored: true };
  }
  const current = opts.snapshot ?? (await client.getKey(key.providerKeyId));
  const currentLimit = limitOf(current);
  let original = key.limitBeforeSyncMicros;
  if (!key.limitSyncActive) {
    // Remember the key's own limit BEFORE the first change, to restore it later.
    original = currentLimit;
    await prisma.providerKey.update({ where: { id: key.id }, data: { limitSyncActive: true, limitBeforeSyncMicros: original } });
  }
  let desired = windowUsageMicros(current) + remaining;
  if (original !== null && original < desired) desired = original;
  let changed = false;
  if (!near(currentLimit, desired)) {
    forgetKeyList(key.connection.id);
    await client.updateKey(key.providerKeyId, { limit: microsToUsd(desired) });
    forgetKeyList(key.connection.id); // and any list read while the change was on its way
    const got = limitOf(await client.getKey(key.providerKeyId));
    if (!near(got, desired)) throw new Error(`OpenRouter key ${key.label}: limit read back as ${got} instead of ${desired}`);
    changed = true;
  }
  await prisma.providerKey.update({
    where: { id: key.id },
    data: { syncedLimitMicros: desired, providerLimitMicros: desired, providerUsageMicros: usdToMicros(current.usage ?? 0) },
  });
  return { keyId, limitMicros: desired, changed };
}

// Several hard budgets each sync their keys (one job per budget, each debounced to once a
// second), so without sharing, B budgets meant B key-list reads a second per connection. A
// list read in this process in the last second (or being read) serves every job: a snapshot's
// usage can only have grown since, which makes a limit lower, never higher (see syncKeyLimit).
// Any limit this process changes drops the connection's entry, so a snapshot never hides a
// change made here; a failed read is not kept.
const KEY_LIST_TTL_MS = 1_000;
const keyLists = new Map<string, { at: number; list: Promise<Map<string, OpenRouterKey> | null> }>();

function recentKeyList(conn: Parameters<typeof openRouterFor>[0] & { id: string }): Promise<Map<string, OpenRouterKey> | null> {
  const hit = keyLists.get(conn.id);
  if (hit && Date.now() - hit.at < KEY_LIST_TTL_MS) return hit.list;
  const entry = {
    at: Date.now(),
    list: openRouterFor(conn)
      .listKeys({ includeDisabled: true })
      .then((l) => new Map(l.map((k) => [k.hash, k])))
      .catch((e: Error) => {
        console.warn("[enforcement] key list for limit sync failed; reading keys one by one", e.message);
        if (keyLists.get(conn.id) === entry) keyLists.delete(conn.id);
        return null;
      }),
  };
  keyLists.set(conn.id, entry);
  return entry.list;
}

/** A limit of one of this connection's keys changed here: the next sync reads the list again. */
function forgetKeyList(connectionId: string | null | undefined): void {
  if (connectionId) keyLists.delete(connectionId);
}

/**
 * The `enforcement.sync-limits` job: every OpenRouter key under the budget, plus keys whose
 * limit Tollgate manages but that no longer fall under it (budget deleted, made soft, scope
 * changed), which get their own limit back when nothing covers them.
 */
export async function syncLimitsForBudget(orgId: string, budgetId: string, now: Date = new Date()): Promise<SyncResult[]> {
  const budget = await prisma.budget.findFirst({ where: { id: budgetId, orgId } });
  const ids = new Set<string>();
  if (budget && budget.mode === "hard" && budget.syncKeyLimits) {
    const ctx = await systemContext(orgId, "limit sync");
    for (const id of await keysUnderBudget(budget, periodBounds(budget.period, ctx.timeZone, now))) ids.add(id);
  }
  for (const k of await prisma.providerKey.findMany({ where: { orgId, provider: "openrouter", limitSyncActive: true }, select: { id: true } })) ids.add(k.id);
  const keys = await prisma.providerKey.findMany({ where: { orgId, id: { in: [...ids] }, provider: "openrouter" }, select: { id: true, providerKeyId: true, connection: true } });
  // One key-list read per connection instead of one GET per key: with N keys under a budget
  // synced up to once a second, per-key reads were N calls a second against OpenRouter's
  // management API (shared with polling). Per-key calls now happen only to change a limit.
  const snapshots = new Map<string, Map<string, OpenRouterKey>>();
  for (const conn of new Map(keys.flatMap((k) => (k.connection ? [[k.connection.id, k.connection] as const] : []))).values()) {
    const list = await recentKeyList(conn);
    if (list) snapshots.set(conn.id, list);
  }
  const out: SyncResult[] = [];
  const errors: string[] = [];
  for (const k of keys) {
    try {
      const snapshot = k.connection ? snapshots.get(k.connection.id)?.get(k.providerKeyId) : undefined;
      const r = await withKeyLock(k.id, () => syncKeyLimit(orgId, k.id, now, { snapshot }));
      if (r) out.push(r);
    } catch (e) {
      errors.push(`${k.id}: ${(e as Error).message}`);
    }
  }
  if (errors.length) throw new Error(`Limit sync failed for ${errors.length} key(s): ${errors.join("; ")}`);
  return out;
}
