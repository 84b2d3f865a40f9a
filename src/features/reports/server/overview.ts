import { pool } from "@/server/db";
import type { TenantContext } from "@/server/tenant";
import type { ReportRange } from "../schemas";

export type Totals = {
  costMicros: bigint;
  requests: bigint;
  errors: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  cachedTokens: bigint;
  reasoningTokens: bigint;
  latencySumMs: bigint;
  latencyCount: bigint;
};
export type Breakdown = { key: string; label: string; costMicros: bigint; requests: bigint; tokens: bigint };

/**
 * Spend overview from hour rollups (never raw events), days cut in the org's time zone.
 * Both providers side by side; every number is a sum of integers.
 */
export async function spendOverview(ctx: TenantContext, range: ReportRange) {
  const to = new Date();
  const from = new Date(to.getTime() - range.days * 86_400_000);
  const filters = [`r."orgId" = $1`, `r.granularity = 'hour'`, `r."bucketStart" >= $2`, `r."bucketStart" < $3`];
  const args: unknown[] = [ctx.orgId, from, to];
  if (range.workspaceId) {
    args.push(range.workspaceId);
    filters.push(`r."workspaceId" = $${args.length}`);
  }
  if (range.provider) {
    args.push(range.provider);
    filters.push(`r.provider = $${args.length}::"Provider"`);
  }
  const where = filters.join(" AND ");
  args.push(ctx.timeZone);
  const tzArg = `$${args.length}`;

  const [totals, daily, models, members, projects, keys] = await Promise.all([
    pool.query(
      `SELECT COALESCE(SUM("costMicros"),0)::text cost, COALESCE(SUM(requests),0)::text requests, COALESCE(SUM(errors),0)::text errors,
              COALESCE(SUM("inputTokens"),0)::text input, COALESCE(SUM("outputTokens"),0)::text output,
              COALESCE(SUM("cachedTokens"),0)::text cached, COALESCE(SUM("reasoningTokens"),0)::text reasoning,
              COALESCE(SUM("latencySumMs"),0)::text lsum, COALESCE(SUM("latencyCount"),0)::text lcount
         FROM usage_rollups r WHERE ${where}`,
      args.slice(0, -1),
    ),
    pool.query(
      `SELECT to_char(date_trunc('day', r."bucketStart" AT TIME ZONE ${tzArg}), 'YYYY-MM-DD') AS day, r.provider::text AS provider,
              SUM("costMicros")::text cost, SUM(requests)::text requests, SUM(errors)::text errors
         FROM usage_rollups r WHERE ${where} GROUP BY 1, 2 ORDER BY 1`,
      args,
    ),
    breakdown(where, args.slice(0, -1), `r.provider::text || ' · ' || r.model`, `r.provider::text || ' · ' || r.model`),
    breakdown(where, args.slice(0, -1), `r."memberId"`, `COALESCE(u.email, 'unattributed')`, `LEFT JOIN users u ON u.id = r."memberId"`),
    breakdown(where, args.slice(0, -1), `r."projectTagId"`, `COALESCE(w.name || ' / ' || p.slug, 'untagged')`, `LEFT JOIN project_tags p ON p.id = r."projectTagId" LEFT JOIN workspaces w ON w.id = p."workspaceId"`),
    breakdown(where, args.slice(0, -1), `r."providerKeyId"`, `COALESCE(k.label, 'no key reported')`, `LEFT JOIN provider_keys k ON k.id = r."providerKeyId"`),
  ]);
  const t = totals.rows[0]!;
  const totalsOut: Totals = {
    costMicros: BigInt(t.cost),
    requests: BigInt(t.requests),
    errors: BigInt(t.errors),
    inputTokens: BigInt(t.input),
    outputTokens: BigInt(t.output),
    cachedTokens: BigInt(t.cached),
    reasoningTokens: BigInt(t.reasoning),
    latencySumMs: BigInt(t.lsum),
    latencyCount: BigInt(t.lcount),
  };
  return {
    from,
    to,
    totals: totalsOut,
    daily: daily.rows.map((r) => ({ day: r.day as string, provider: r.provider as string, costMicros: BigInt(r.cost), requests: BigInt(r.requests), errors: BigInt(r.errors) })),
    models,
    members,
    projects,
    keys,
  };
}

async function breakdown(where: string, args: unknown[], keyExpr: string, labelExpr: string, join = ""): Promise<Breakdown[]> {
  const { rows } = await pool.query(
    `SELECT ${keyExpr} AS key, MAX(${labelExpr}) AS label, SUM(r."costMicros")::text cost, SUM(r.requests)::text requests,
            SUM(r."inputTokens" + r."outputTokens")::text tokens
       FROM usage_rollups r ${join} WHERE ${where} GROUP BY 1 ORDER BY SUM(r."costMicros") DESC LIMIT 10`,
    args,
  );
  return rows.map((r) => ({ key: r.key as string, label: r.label as string, costMicros: BigInt(r.cost), requests: BigInt(r.requests), tokens: BigInt(r.tokens) }));
}
