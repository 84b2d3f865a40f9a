import { z } from "zod";
import { localParts } from "@/lib/periods";
import { PG_TEXT } from "@/lib/form-schemas";

/**
 * The report page's state, all in the URL so a link shows the same view: a preset or a
 * custom range (local dates in the org's zone, `to` inclusive), filters, compare.
 */
const Id = z.string().min(1).max(200).regex(PG_TEXT);
// From 1970: the calendar code reads years 0–99 as 1900–1999 (Date.UTC).
const LocalDate = z.iso.date().refine((v) => Number(v.slice(0, 4)) >= 1970);
export const ReportParams = z.object({
  range: z.enum(["today", "7d", "30d", "90d", "mtd", "custom"]).catch("30d"),
  from: LocalDate.optional().catch(undefined),
  to: LocalDate.optional().catch(undefined),
  ws: Id.optional().catch(undefined),
  tag: Id.optional().catch(undefined),
  provider: z.enum(["openrouter", "openai"]).optional().catch(undefined),
  model: Id.optional().catch(undefined),
  member: Id.optional().catch(undefined),
  key: Id.optional().catch(undefined),
  service: Id.optional().catch(undefined),
  language: Id.optional().catch(undefined),
  compare: z.enum(["1"]).optional().catch(undefined),
});
export type ReportParams = z.infer<typeof ReportParams>;

export const FILTER_PARAMS = ["ws", "tag", "provider", "model", "member", "key", "service", "language"] as const;

const ymd = (y: number, m: number, d: number) => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
};

/** [from, to) as local dates in `tz` for the chosen range (to exclusive). */
export function reportDates(p: ReportParams, tz: string, now = new Date()): { from: string; to: string; label: string } {
  const l = localParts(tz, now);
  const tomorrow = ymd(l.year, l.month, l.day + 1);
  const back = (days: number) => ymd(l.year, l.month, l.day + 1 - days);
  switch (p.range) {
    case "today":
      return { from: back(1), to: tomorrow, label: "Today" };
    case "7d":
      return { from: back(7), to: tomorrow, label: "Last 7 days" };
    case "90d":
      return { from: back(90), to: tomorrow, label: "Last 90 days" };
    case "mtd":
      return { from: ymd(l.year, l.month, 1), to: tomorrow, label: "Month to date" };
    case "custom": {
      if (p.from && p.to && p.from <= p.to && Date.parse(p.to) - Date.parse(p.from) <= 400 * 86_400_000) {
        const [y, m, d] = p.to.split("-").map(Number) as [number, number, number];
        return { from: p.from, to: ymd(y, m, d + 1), label: `${p.from} – ${p.to}` };
      }
      return { from: back(30), to: tomorrow, label: "Last 30 days" };
    }
    default:
      return { from: back(30), to: tomorrow, label: "Last 30 days" };
  }
}

/** URL search string for params with some changed (undefined removes). */
export function withParams(p: ReportParams, change: Partial<Record<keyof ReportParams, string | undefined>>): string {
  const merged: Record<string, string | undefined> = { ...p, ...change };
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && !(k === "range" && v === "30d")) sp.set(k, v);
  const s = sp.toString();
  return s ? `?${s}` : "?";
}
