import { getPriceLookup } from "@/features/pricing/server/catalog";
import { resolveCost } from "@/features/pricing/price";
import type { NormalizedEvent } from "../types";
import { EVENT_ARRAY_COLUMNS, UNCOMPACTED_COLUMNS } from "./rollup-sql";

/**
 * Prices the batch and serialises it as one Postgres array literal per column (see
 * EVENT_ARRAY_COLUMNS). Built by hand: it is the only per-event work on the hot path
 * besides validation, and plain string joins are several times cheaper than generic
 * value serialisation.
 */
export async function toArrayParams(events: NormalizedEvent[]): Promise<string[]> {
  const lookup = await getPriceLookup(events.map((e) => e.orgId));
  const n = events.length;
  const cost = new Array<string>(n);
  const costSource = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const priced = resolveCost(e, e.costMicros === null ? lookup(e.orgId, e.provider, e.model) : null);
    cost[i] = priced.costMicros.toString();
    costSource[i] = priced.costSource;
  }
  const text = (get: (e: NormalizedEvent) => string | null) => events.map(get);
  const num = (get: (e: NormalizedEvent) => number | null) => events.map(get);
  const columns: Record<string, (string | number | null)[]> = {
    orgId: text((e) => e.orgId),
    workspaceId: text((e) => e.workspaceId),
    externalId: text((e) => e.externalId),
    source: text((e) => e.source),
    provider: text((e) => e.provider),
    model: text((e) => e.model),
    projectTagId: text((e) => e.projectTagId),
    memberId: text((e) => e.memberId),
    endUser: text((e) => e.endUser),
    providerKeyId: text((e) => e.providerKeyId),
    apiKeyRef: text((e) => e.apiKeyRef),
    service: text((e) => e.service),
    language: text((e) => e.language),
    occurredAtMs: num((e) => e.occurredAt.getTime()),
    inputTokens: num((e) => e.inputTokens),
    outputTokens: num((e) => e.outputTokens),
    cachedTokens: num((e) => e.cachedTokens),
    cacheWriteTokens: num((e) => e.cacheWriteTokens),
    reasoningTokens: num((e) => e.reasoningTokens),
    requests: num((e) => e.requests),
    costMicros: cost,
    costSource,
    latencyMs: num((e) => e.latencyMs),
    status: num((e) => e.status),
    errorType: text((e) => e.errorType),
    errorMessage: text((e) => e.errorMessage),
    generationId: text((e) => e.generationId),
    metadata: text((e) => (e.metadata ? metadataJson(e.metadata) : null)),
  };
  return EVENT_ARRAY_COLUMNS.map(([name, type]) => {
    const values = compact(name, columns[name]!);
    return type.startsWith("text") || type.startsWith('"') || type.startsWith("jsonb") ? textArray(values) : numArray(values);
  });
}

/** [] when every value is NULL, [v] when all are equal, else the values (see rollup-sql.ts). */
function compact<T>(name: string, values: T[]): T[] {
  if (UNCOMPACTED_COLUMNS.has(name) || values.length < 2) return values;
  const first = values[0] as T;
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return values;
  return first === null ? [] : [first];
}

/** jsonb rejects \u0000 as well: replace NUL in keys and values before serialising. */
function metadataJson(m: Record<string, string>): string {
  const json = JSON.stringify(m);
  if (!json.includes("\\u0000")) return json;
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) clean[k.replaceAll("\u0000", "\ufffd")] = v.replaceAll("\u0000", "\ufffd");
  return JSON.stringify(clean);
}

// Quotes and backslashes are escaped; NUL (which Postgres text cannot hold) becomes U+FFFD.
const NEEDS_ESCAPE = /["\\\u0000]/;
const ESCAPE = /["\\\u0000]/g;
const escapeChar = (c: string) => (c === "\u0000" ? "\ufffd" : "\\" + c);

/** `{"a","b\"c",NULL}`: every element quoted, so commas, braces and spaces are safe. */
function textArray(values: (string | number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    if (v === null || v === undefined) out += "NULL";
    else {
      const str = String(v);
      out += '"' + (NEEDS_ESCAPE.test(str) ? str.replace(ESCAPE, escapeChar) : str) + '"';
    }
  }
  return out + "}";
}

function numArray(values: (string | number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    out += v === null || v === undefined ? "NULL" : typeof v === "string" ? v : Number.isFinite(v) ? String(Math.trunc(v)) : "NULL";
  }
  return out + "}";
}
