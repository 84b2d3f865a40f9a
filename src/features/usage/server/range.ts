import { startOfLocalDay } from "@/lib/periods";
import type { UsageRange } from "../schemas";

/** Org-scoped reads take this (a TenantContext has both fields). */
export type UsageScope = { orgId: string; timeZone: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An instant from a range end: a plain date is local midnight in `tz`. */
export function resolveInstant(value: string, tz: string): number {
  const m = DATE.exec(value);
  if (m) return startOfLocalDay(tz, Number(m[1]), Number(m[2]), Number(m[3])).getTime();
  return new Date(value).getTime();
}

export function resolveRange(range: UsageRange, tz: string): { from: number; to: number } {
  return { from: resolveInstant(range.from, tz), to: resolveInstant(range.to, tz) };
}

/** The range of the same length just before [from, to) (for "compare with previous period"). */
export function previousRange(range: UsageRange, tz: string): UsageRange {
  const { from, to } = resolveRange(range, tz);
  return { from: new Date(from - (to - from)).toISOString(), to: new Date(from).toISOString() };
}
