/**
 * The fake OpenAI's own record of what it served, per (hour, key, model), and the check of the
 * app's stored usage against it: the suites that poll through a fault (aimed-kill,
 * providers-flaky) ask the same two questions: is any cell short (a gap the poller left), is any
 * cell over (pushed and polled added up, not their max).
 */
import { pool } from "@/server/db";
import type { FakeOpenAI } from "@/providers/openai/fake";

export const HOUR = 3_600_000;
const TOKEN_KINDS = new Set(["completions", "embeddings", "moderations"]);

export const cellKey = (hour: number, key: string | null, model: string) => `${new Date(hour).toISOString()}|${key ?? "-"}|${model}`;

/** Requests per (hour, key, model) that the fake served for the usage endpoints since `from`. */
export function fakeTruth(fake: FakeOpenAI, from: number): Map<string, number> {
  const truth = new Map<string, number>();
  for (const r of fake.state.recordsBetween(from, Date.now() + HOUR)) {
    if (!TOKEN_KINDS.has(r.kind)) continue;
    const k = cellKey(Math.floor(r.at / HOUR) * HOUR, r.apiKeyId, r.model);
    truth.set(k, (truth.get(k) ?? 0) + r.requests);
  }
  return truth;
}

/** The org's stored requests per cell since `from` (token usage only) against the fake's truth. */
export async function compareWithTruth(orgId: string, from: number, truth: Map<string, number>) {
  const stored = await pool.query<{ hour: Date; key: string | null; model: string; requests: string }>(
    `SELECT date_trunc('hour', e."occurredAt") AS hour, k."providerKeyId" AS key, e.model, sum(e.requests)::text AS requests
       FROM usage_events e LEFT JOIN provider_keys k ON k.id = e."providerKeyId"
      WHERE e."orgId" = $1 AND e."occurredAt" >= $2 AND e.model NOT LIKE 'billing%' AND e."externalId" NOT LIKE '%:openai.costs:%'
      GROUP BY 1, 2, 3`,
    [orgId, new Date(from)],
  );
  const got = new Map(stored.rows.map((r) => [cellKey(r.hour.getTime(), r.key, r.model), Number(r.requests)]));
  const gaps = [...truth.entries()].filter(([k, n]) => (got.get(k) ?? 0) < n).map(([k, n]) => `${k}: ${got.get(k) ?? 0} < ${n}`);
  const excess = [...got.entries()].filter(([k, n]) => n > (truth.get(k) ?? 0)).map(([k, n]) => `${k}: ${n} > ${truth.get(k) ?? 0}`);
  return { gaps, excess };
}
