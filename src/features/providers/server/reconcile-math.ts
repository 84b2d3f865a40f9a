/**
 * The arithmetic of push/pull reconciliation for ONE time bucket, kept pure so it can be
 * property-tested. See reconcile.ts for the rule this implements.
 */

export const METRICS = ["requests", "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens", "reasoningTokens", "costMicros"] as const;
export type Metric = (typeof METRICS)[number];
export type Metrics = Record<Metric, bigint>;
/** Polled cost may be unknown (OpenAI usage buckets carry tokens only). */
export type PolledMetrics = Omit<Metrics, "costMicros"> & { costMicros: bigint | null };

export const zeroMetrics = (): Metrics => ({ requests: 0n, inputTokens: 0n, outputTokens: 0n, cachedTokens: 0n, cacheWriteTokens: 0n, reasoningTokens: 0n, costMicros: 0n });

/**
 * `kind` = what the provider measures in this cell (OpenAI: the usage endpoint — completions,
 * embeddings, moderations; OpenRouter: activity). Only like is compared with like: a pushed
 * chat completion never offsets polled embeddings. `keyRef` '' = the provider reported no key
 * for this part (e.g. spend of keys it no longer lists). `projectRef` keeps keyless cells of
 * different projects apart (a key belongs to exactly one project, so keyed cells need no more).
 */
export type PolledCell = { kind?: string; keyRef: string; projectRef?: string; model: string; metrics: PolledMetrics };
/**
 * Pushed totals per (kind, keyRef, model); keyRef '' = pushed without an api_key. `own`: the key is
 * one this connection tracks (so its events are this account's even if the poll no longer reports it).
 */
export type PushedCell = { kind?: string; keyRef: string; model: string; metrics: Metrics; own?: boolean };
export type Delta = { kind: string; keyRef: string; projectRef: string; model: string; metrics: PolledMetrics };

const max0 = (v: bigint) => (v > 0n ? v : 0n);
/**
 * Model names compare without a dated snapshot suffix: OpenAI reports `gpt-4o-mini-2024-07-18`
 * for requests an app logs as `gpt-4o-mini`.
 */
export const normalizeModel = (model: string) => model.toLowerCase().replace(/-\d{4}-\d{2}-\d{2}$/, "");
const cellId = (c: { keyRef: string; model: string }) => `${c.keyRef}\u0000${normalizeModel(c.model)}`;

/**
 * What the poll adds on top of pushed events in one bucket, per metric:
 * Everything below happens within ONE kind; other kinds' pushed events are never compared.
 *  1. per (key, model): polled − pushed, floored at 0 (models compared without snapshot date);
 *  2. per key: the sum over its models may not exceed polled(key) − pushed(key) over ALL
 *     models of the kind (pushed model names may be spelled differently);
 *  3. per bucket: the sum may not exceed polled(total) − pushed(total), where pushed counts
 *     events of this connection's keys plus events pushed without any key (they might be
 *     any key's). Events pushed with a key this connection does not report are another
 *     account's and are ignored, except for a key it tracks (`own`), which caps the keyless
 *     cells (a deleted OpenRouter key's spend is in the unfiltered remainder).
 * Caps are applied by allocating in a fixed order (keyless cells first, then by key and
 * model), so the same inputs always give the same deltas. The result never goes negative,
 * never exceeds what was polled, and polled + pushed is never counted twice.
 */
export function reconcileBucket(polled: PolledCell[], pushed: PushedCell[]): Delta[] {
  const kinds = [...new Set(polled.map((p) => p.kind ?? ""))].sort();
  return kinds.flatMap((k) =>
    reconcileKind(
      polled.filter((p) => (p.kind ?? "") === k),
      pushed.filter((p) => (p.kind ?? "") === k),
    ).map((d) => ({ ...d, kind: k })),
  );
}

/** The caps below, within one kind. */
function reconcileKind(polled: PolledCell[], pushed: PushedCell[]): Omit<Delta, "kind">[] {
  const polledKeys = new Set(polled.map((p) => p.keyRef).filter((k) => k !== ""));
  const pushedBy = new Map<string, Metrics>();
  for (const p of pushed) {
    const prev = pushedBy.get(cellId(p));
    pushedBy.set(cellId(p), prev ? (Object.fromEntries(METRICS.map((m) => [m, prev[m] + p.metrics[m]])) as Metrics) : p.metrics);
  }
  const relevantPushed = pushed.filter((p) => p.keyRef === "" || polledKeys.has(p.keyRef));
  // A key this connection tracks but the provider doesn't report in the bucket (deleted: OpenRouter
  // puts its spend in the keyless remainder) can only be hiding in keyless cells: its pushed events
  // offset those, never another key's cells (a key not reported yet is just lagging).
  const orphans = pushed.filter((p) => p.own && p.keyRef !== "" && !polledKeys.has(p.keyRef));
  const order = (c: PolledCell) => `${c.projectRef ?? ""}\u0000${c.model}`;
  const cells = [...polled].sort((a, b) => (a.keyRef === b.keyRef ? order(a).localeCompare(order(b)) : a.keyRef === "" ? -1 : b.keyRef === "" ? 1 : a.keyRef.localeCompare(b.keyRef)));
  const out = cells.map((c) => ({ keyRef: c.keyRef, projectRef: c.projectRef ?? "", model: c.model, metrics: { ...zeroMetrics(), costMicros: c.metrics.costMicros === null ? null : 0n } as PolledMetrics }));

  for (const m of METRICS) {
    if (m === "costMicros" && cells.every((c) => c.metrics.costMicros === null)) continue;
    const P = (c: PolledCell) => (m === "costMicros" ? (c.metrics.costMicros ?? 0n) : c.metrics[m]);
    // 1. cell level
    // (cells sharing a normalised model — `x` and `x-2024-01-01` — share its pushed amount once)
    const left = new Map([...pushedBy].map(([id, v]) => [id, v[m]]));
    const want = cells.map((c) => {
      const have = left.get(cellId(c)) ?? 0n;
      const used = have < P(c) ? have : P(c);
      left.set(cellId(c), have - used);
      return P(c) - used;
    });
    // 2. key level (keyless cells are only capped at the bucket level)
    const keyRemaining = new Map<string, bigint>();
    for (const k of polledKeys) {
      const polledK = cells.filter((c) => c.keyRef === k).reduce((s, c) => s + P(c), 0n);
      const pushedK = pushed.filter((p) => p.keyRef === k).reduce((s, p) => s + p.metrics[m], 0n);
      keyRemaining.set(k, max0(polledK - pushedK));
    }
    // 3. bucket level
    let bucketRemaining = max0(cells.reduce((s, c) => s + P(c), 0n) - relevantPushed.reduce((s, p) => s + p.metrics[m], 0n));
    let keylessRemaining = max0(cells.filter((c) => c.keyRef === "").reduce((s, c) => s + P(c), 0n) - orphans.reduce((s, p) => s + p.metrics[m], 0n));
    cells.forEach((c, i) => {
      let v = want[i]!;
      if (c.keyRef !== "") {
        const kr = keyRemaining.get(c.keyRef) ?? 0n;
        if (v > kr) v = kr;
        keyRemaining.set(c.keyRef, kr - v);
      } else {
        if (v > keylessRemaining) v = keylessRemaining;
        keylessRemaining -= v;
      }
      if (v > bucketRemaining) v = bucketRemaining;
      bucketRemaining -= v;
      const d = out[i]!.metrics;
      if (m === "costMicros") d.costMicros = c.metrics.costMicros === null ? null : v;
      else d[m] = v;
    });
  }
  return out;
}

export function isZero(m: PolledMetrics): boolean {
  return METRICS.every((k) => (m[k] ?? 0n) === 0n);
}
