import { NONE, type Dimension, type UsageFilters } from "../schemas";
import type { Segment } from "./segments";

/**
 * The rollup and raw-event conventions, stated once: a dimension's column, "none" as ''
 * (rollups) or NULL (raw events), status classes from the HTTP status.
 */
export const DIM_COLUMN: Record<Dimension, string> = {
  workspace: `"workspaceId"`,
  projectTag: `"projectTagId"`,
  provider: `provider`,
  model: `model`,
  member: `"memberId"`,
  key: `"providerKeyId"`,
  service: `service`,
  language: `language`,
  statusClass: `"statusClass"`,
};

export const FILTER_DIM: Record<keyof UsageFilters, Dimension> = {
  workspaceId: "workspace",
  projectTagId: "projectTag",
  provider: "provider",
  model: "model",
  memberId: "member",
  providerKeyId: "key",
  service: "service",
  language: "language",
  statusClass: "statusClass",
};

export const STATUS_CLASS_SQL = (status: string) =>
  `(CASE WHEN ${status} BETWEEN 200 AND 299 THEN '2xx' WHEN ${status} BETWEEN 400 AND 499 THEN '4xx'
     WHEN ${status} BETWEEN 500 AND 599 THEN '5xx' ELSE 'other' END)`;

export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** WHERE parts for the filters over usage_rollups (alias `r`). */
export function rollupFilterSql(filters: UsageFilters, p: Params): string[] {
  const parts: string[] = [];
  for (const [name, values] of Object.entries(filters) as [keyof UsageFilters, string[] | undefined][]) {
    if (!values || values.length === 0) continue;
    const dim = FILTER_DIM[name];
    const col = `r.${DIM_COLUMN[dim]}`;
    if (dim === "provider") parts.push(`${col} = ANY(${p.add(values)}::"Provider"[])`);
    else parts.push(`${col} = ANY(${p.add(values.map((v) => (v === NONE ? "" : v)))}::text[])`);
  }
  return parts;
}

/** WHERE parts for the filters over usage_events (alias `e`). */
export function eventFilterSql(filters: UsageFilters, p: Params): string[] {
  const parts: string[] = [];
  for (const [name, values] of Object.entries(filters) as [keyof UsageFilters, string[] | undefined][]) {
    if (!values || values.length === 0) continue;
    const dim = FILTER_DIM[name];
    if (dim === "provider") {
      parts.push(`e.provider = ANY(${p.add(values)}::"Provider"[])`);
      continue;
    }
    if (dim === "statusClass") {
      parts.push(`${STATUS_CLASS_SQL("e.status")} = ANY(${p.add(values)}::text[])`);
      continue;
    }
    const col = `e.${DIM_COLUMN[dim]}`;
    const real = values.filter((v) => v !== NONE);
    const ors = real.length ? [`${col} = ANY(${p.add(real)}::text[])`] : [];
    if (real.length < values.length) ors.push(`${col} IS NULL`);
    parts.push(`(${ors.join(" OR ")})`);
  }
  return parts;
}

export function segmentsSql(segments: Segment[], p: Params): string {
  if (segments.length === 0) return "false";
  return (
    "(" +
    segments
      .map((s) => `(r.granularity = ${p.add(s.granularity)}::"Granularity" AND r."bucketStart" >= ${p.add(new Date(s.from))} AND r."bucketStart" < ${p.add(new Date(s.to))})`)
      .join(" OR ") +
    ")"
  );
}
