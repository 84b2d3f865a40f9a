import { pool } from "@/server/db";
import type { Budget } from "@/generated/prisma/client";

/**
 * Spend from the rollups, never from raw events. A range [start, end) is cut into the
 * coarsest buckets that fit wholly inside it: UTC days in the middle, hours next to them,
 * minutes for the partial hours at the edges (periods in :30/:45 zones don't start on an
 * hour). Each bucket is counted once because the pieces don't overlap.
 */

export type BudgetScopeFields = Pick<
  Budget,
  "orgId" | "scope" | "workspaceId" | "projectTagId" | "providerKeyId" | "memberId" | "providerFilter" | "modelFilter"
>;

type Gran = "minute" | "hour" | "day";
export type Segment = { granularity: Gran; from: number; to: number };

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const ceilTo = (t: number, step: number) => Math.ceil(t / step) * step;
const floorTo = (t: number, step: number) => Math.floor(t / step) * step;

/** Non-overlapping day/hour/minute pieces covering [start, end) (minute-aligned edges). */
export function rangeSegments(start: Date | number, end: Date | number): Segment[] {
  const s = ceilTo(+start, MIN); // rollups have whole-minute buckets
  const e = ceilTo(+end, MIN);
  if (e <= s) return [];
  const out: Segment[] = [];
  const split = (a: number, b: number, gran: Gran, step: number, finer: (a: number, b: number) => void) => {
    const ia = ceilTo(a, step);
    const ib = floorTo(b, step);
    if (ia >= ib) return finer(a, b);
    finer(a, ia);
    out.push({ granularity: gran, from: ia, to: ib });
    finer(ib, b);
  };
  const minutes = (a: number, b: number) => {
    if (a < b) out.push({ granularity: "minute", from: a, to: b });
  };
  const hours = (a: number, b: number) => {
    if (a < b) split(a, b, "hour", HOUR, minutes);
  };
  split(s, e, "day", DAY, hours);
  return out;
}

/** WHERE fragment (and params, appended to `params`) selecting the budget's rollup rows. */
export function scopeWhere(b: BudgetScopeFields, params: unknown[], alias = ""): string {
  const col = (c: string) => `${alias}"${c}"`;
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts = [`${col("orgId")} = ${p(b.orgId)}`];
  switch (b.scope) {
    case "workspace":
      parts.push(`${col("workspaceId")} = ${p(b.workspaceId)}`);
      break;
    case "project":
      parts.push(`${col("projectTagId")} = ${p(b.projectTagId)}`);
      break;
    case "key":
      parts.push(`${col("providerKeyId")} = ${p(b.providerKeyId)}`);
      break;
    case "member":
      parts.push(`${col("workspaceId")} = ${p(b.workspaceId)}`, `${col("memberId")} = ${p(b.memberId)}`);
      break;
    case "org":
      break;
  }
  if (b.providerFilter) parts.push(`${alias}provider = ${p(b.providerFilter)}::"Provider"`);
  if (b.modelFilter) parts.push(`${alias}model = ${p(b.modelFilter)}`);
  return parts.join(" AND ");
}

function segmentsWhere(segments: Segment[], params: unknown[]): string {
  if (segments.length === 0) return "false";
  return (
    "(" +
    segments
      .map((s) => {
        params.push(s.granularity, new Date(s.from), new Date(s.to));
        const n = params.length;
        return `(granularity = $${n - 2}::"Granularity" AND "bucketStart" >= $${n - 1} AND "bucketStart" < $${n})`;
      })
      .join(" OR ") +
    ")"
  );
}

/** Spend in micro-USD for the budget's scope and filters over [start, end). */
export async function spendInRange(b: BudgetScopeFields, start: Date, end: Date): Promise<bigint> {
  const params: unknown[] = [];
  const where = `${scopeWhere(b, params)} AND ${segmentsWhere(rangeSegments(start, end), params)}`;
  const { rows } = await pool.query<{ s: string | null }>(`SELECT sum("costMicros")::text AS s FROM usage_rollups WHERE ${where}`, params);
  return BigInt(rows[0]?.s ?? "0");
}

export type Driver = { id: string; costMicros: bigint };
export type SpendDrivers = { models: Driver[]; members: Driver[]; keys: Driver[] };

/** The top models, members and keys behind the spend in [start, end) (ids, not labels). One query. */
export async function spendDrivers(b: BudgetScopeFields, start: Date, end: Date, limit = 5): Promise<SpendDrivers> {
  const params: unknown[] = [];
  const where = `${scopeWhere(b, params)} AND ${segmentsWhere(rangeSegments(start, end), params)}`;
  const { rows } = await pool.query<{ model: string | null; member: string | null; key: string | null; g: number; s: string }>(
    `SELECT model, "memberId" AS member, "providerKeyId" AS key, GROUPING(model, "memberId", "providerKeyId")::int AS g, sum("costMicros")::text AS s
       FROM usage_rollups WHERE ${where}
      GROUP BY GROUPING SETS ((model), ("memberId"), ("providerKeyId"))`,
    params,
  );
  // GROUPING bits: model = 4, memberId = 2, providerKeyId = 1 (set when NOT grouped by it).
  const pick = (g: number, id: (r: (typeof rows)[number]) => string | null) =>
    rows
      .filter((r) => r.g === g && id(r) && BigInt(r.s) > 0n)
      .map((r) => ({ id: id(r)!, costMicros: BigInt(r.s) }))
      .sort((x, y) => (y.costMicros > x.costMicros ? 1 : y.costMicros < x.costMicros ? -1 : x.id.localeCompare(y.id)))
      .slice(0, Math.max(1, Math.min(limit, 50)));
  return { models: pick(0b011, (r) => r.model), members: pick(0b101, (r) => r.member), keys: pick(0b110, (r) => r.key) };
}

/** Provider keys that spent inside the scope during [start, end) (for member/project scopes). */
export async function keysWithSpend(b: BudgetScopeFields, start: Date, end: Date): Promise<string[]> {
  const params: unknown[] = [];
  const where = `${scopeWhere(b, params)} AND ${segmentsWhere(rangeSegments(start, end), params)}`;
  const { rows } = await pool.query<{ id: string }>(
    `SELECT DISTINCT "providerKeyId" AS id FROM usage_rollups WHERE ${where} AND "providerKeyId" <> ''`,
    params,
  );
  return rows.map((r) => r.id);
}
