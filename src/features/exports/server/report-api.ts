import { createHash } from "node:crypto";
import { badRequest } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { aggregatedColumns, type AggRow } from "../columns";
import { CONTENT_TYPES, encodeToString, jsonObject } from "../format";
import { groupDims, ReportApiQuery } from "../schemas";
import { aggregatedRows, type AggPosition } from "./aggregate";
import { loadLabels } from "./labels";

/**
 * GET /api/v1/reports/usage: one page of the aggregated report (the documented aggregated
 * column set) read through the usage module, so the numbers are the pages' numbers.
 *
 * The cursor is opaque: (bucket start, rows of that bucket already returned) plus a hash of
 * the query, so a cursor is refused with any other query. Pages follow the stable row order
 * (bucket, cost descending, group values); rows that land while paging may shift a page.
 */
type CursorBody = { t: number; s: number; h: string };

function queryHash(q: ReportApiQuery): string {
  const { cursor: _c, limit: _l, format: _f, ...rest } = q;
  return createHash("sha256").update(JSON.stringify(rest)).digest("base64url").slice(0, 16);
}

function decodeCursor(cursor: string, hash: string): AggPosition {
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorBody;
    if (typeof c.t === "number" && Number.isFinite(c.t) && Number.isInteger(c.s) && c.s >= 0 && c.h === hash) return { t: c.t, skip: c.s };
  } catch {
    // fall through
  }
  throw badRequest("Invalid cursor for this query", [{ path: "cursor", message: "Use next_cursor from the previous page of the same query" }]);
}

function encodeCursor(p: AggPosition, hash: string): string {
  return Buffer.from(JSON.stringify({ t: p.t, s: p.skip, h: hash } satisfies CursorBody)).toString("base64url");
}

/** URLSearchParams → plain object (repeated keys become arrays). */
export function searchParamsObject(sp: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k of new Set(sp.keys())) {
    const all = sp.getAll(k);
    out[k] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

export type ReportPage = { contentType: string; body: string; nextCursor: string | null };

export async function reportUsagePage(ctx: TenantContext, raw: unknown): Promise<ReportPage> {
  requirePermission(ctx, "reports:read");
  const q = ReportApiQuery.parse(raw);
  const hash = queryHash(q);
  const start = q.cursor ? decodeCursor(q.cursor, hash) : undefined;
  const labels = await loadLabels(ctx.orgId);
  const rows: AggRow[] = [];
  let next: AggPosition | null = null;
  for await (const { row, pos } of aggregatedRows(ctx, q, labels, start)) {
    if (rows.length === q.limit) {
      next = pos;
      break;
    }
    rows.push(row);
  }
  const columns = aggregatedColumns(groupDims(q), Boolean(q.bucket));
  const nextCursor = next ? encodeCursor(next, hash) : null;
  if (q.format === "json") {
    const body = {
      data: rows.map((r) => jsonObject(columns, r, ctx.timeZone)),
      columns: columns.map((c) => c.name),
      time_zone: ctx.timeZone,
      next_cursor: nextCursor,
      page_size: q.limit,
    };
    return { contentType: CONTENT_TYPES.json, body: JSON.stringify(body), nextCursor };
  }
  return { contentType: CONTENT_TYPES[q.format], body: await encodeToString(q.format, columns, rows, ctx.timeZone), nextCursor };
}
