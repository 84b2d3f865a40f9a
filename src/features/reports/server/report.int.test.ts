import { describe, expect, it } from "vitest";
import { pool } from "@/server/db";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { ReportParams, reportDates } from "../report-params";
import { loadReport } from "./report";

type Org = Awaited<ReturnType<typeof createOrg>>;

function ev(o: Org, at: Date, i: number): NormalizedEvent {
  return {
    orgId: o.org.id,
    workspaceId: o.workspace.id,
    externalId: uniq("r"),
    source: "push",
    provider: i % 2 ? "openrouter" : "openai",
    model: ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "anthropic/claude-sonnet-4"][i % 3]!,
    projectTagId: i % 3 ? o.defaultTag.id : null,
    memberId: i % 4 ? o.owner.id : null,
    endUser: null,
    providerKeyId: null,
    apiKeyRef: null,
    service: ["api", "batch"][i % 2]!,
    language: ["python", "typescript", null][i % 3]!,
    occurredAt: at,
    inputTokens: 1000 + i,
    outputTokens: 100 + i,
    cachedTokens: i % 5 ? 0 : 400,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    requests: 1,
    costMicros: BigInt(2000 + 13 * i),
    latencyMs: 100 + i * 3,
    status: i % 9 === 0 ? 502 : 200,
    errorType: i % 9 === 0 ? "upstream" : null,
    errorMessage: i % 9 === 0 ? "bad gateway" : null,
    generationId: null,
    metadata: null,
  };
}

async function rawSum(orgId: string, where = "true", args: unknown[] = []) {
  const { rows } = await pool.query(
    `SELECT coalesce(sum("costMicros"),0)::text cost, coalesce(sum(requests),0)::text req, coalesce(sum(CASE WHEN status >= 400 THEN requests ELSE 0 END),0)::text err,
            coalesce(sum("inputTokens"),0)::text inp, coalesce(sum("cachedTokens"),0)::text cached
       FROM usage_events WHERE "orgId" = $1 AND ${where}`,
    [orgId, ...args],
  );
  return rows[0] as { cost: string; req: string; err: string; inp: string; cached: string };
}

describe("loadReport", () => {
  it("shows panel numbers equal to sums over the raw events, narrows on drill-down, and lists errors newest first", async () => {
    const o = await createOrg();
    await pool.query(`UPDATE orgs SET "timeZone" = 'America/New_York' WHERE id = $1`, [o.org.id]);
    o.ctx.timeZone = "America/New_York";
    const now = Date.now();
    await writeUsageEvents(Array.from({ length: 90 }, (_, i) => ev(o, new Date(now - 3_600_000 - i * 5 * 3_600_000), i)));
    const p = ReportParams.parse({ range: "30d", compare: "1" });
    const r = await loadReport(o.ctx, p);
    const from = new Date(`${r.dates.from}T00:00:00Z`); // checked loosely below: all events are inside 30 local days
    expect(from.getTime()).toBeLessThan(now - 90 * 5 * 3_600_000);
    const raw = await rawSum(o.org.id);
    expect(String(r.totals.sums.costMicros)).toBe(raw.cost);
    expect(String(r.totals.sums.requests)).toBe(raw.req);
    expect(String(r.totals.sums.errors)).toBe(raw.err);
    expect(String(r.totals.sums.cachedTokens)).toBe(raw.cached);
    expect(r.previous?.sums.costMicros).toBe(0n);
    // Per model and per member, each slice is its raw sum.
    for (const m of r.models) expect(String(m.costMicros)).toBe((await rawSum(o.org.id, `model = $2 AND provider = $3::"Provider"`, [m.value, m.provider])).cost);
    const owner = r.members.find((m) => m.value === o.owner.id)!;
    expect(owner.label).toBe(o.owner.email);
    expect(String(owner.costMicros)).toBe((await rawSum(o.org.id, `"memberId" = $2`, [o.owner.id])).cost);
    // Daily panel sums back to the total; the hour-of-day panel too.
    expect(r.daily.reduce((a, d) => a + (d.sums.costMicros ?? 0n), 0n)).toBe(BigInt(raw.cost));
    expect(r.hourOfDay.reduce((a, h) => a + h.requests, 0n)).toBe(BigInt(raw.req));
    // Error records: only errors, newest first, with their detail.
    expect(r.errors.length).toBe(Number(raw.err));
    expect(r.errors.every((e) => e.status >= 400 && e.errorMessage === "bad gateway")).toBe(true);
    expect([...r.errors].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())).toEqual(r.errors);
    // Drill down on a model: every panel narrows to it.
    const drilled = await loadReport(o.ctx, ReportParams.parse({ range: "30d", model: "gpt-4o-2024-08-06", service: "api" }));
    expect(String(drilled.totals.sums.costMicros)).toBe((await rawSum(o.org.id, "model = $2 AND service = $3", ["gpt-4o-2024-08-06", "api"])).cost);
    expect(new Set(drilled.models.map((m) => m.value))).toEqual(new Set(["gpt-4o-2024-08-06"]));
    // Another org sees nothing of it.
    const other = await createOrg();
    expect((await loadReport(other.ctx, p)).totals.sums.requests).toBe(0n);
  });

  it("narrows every panel to one language (or to events without one) with the raw events' sums", async () => {
    const o = await createOrg();
    const now = Date.now();
    await writeUsageEvents(Array.from({ length: 60 }, (_, i) => ev(o, new Date(now - 3_600_000 - i * 7 * 3_600_000), i)));
    const all = await loadReport(o.ctx, ReportParams.parse({ range: "30d" }));
    expect(new Set(all.languages.map((l) => l.value))).toEqual(new Set(["python", "typescript", "-"]));
    for (const [param, where] of [
      ["python", "language = 'python'"],
      ["-", "language IS NULL"],
    ] as const) {
      const r = await loadReport(o.ctx, ReportParams.parse({ range: "30d", language: param }));
      const raw = await rawSum(o.org.id, where);
      expect(String(r.totals.sums.costMicros)).toBe(raw.cost);
      expect(String(r.totals.sums.requests)).toBe(raw.req);
      expect(String(r.totals.sums.errors)).toBe(raw.err);
      expect(r.languages.map((l) => l.value)).toEqual([param]);
      for (const m of r.members) expect(String(m.costMicros)).toBe((await rawSum(o.org.id, `${where} AND "memberId" IS NOT DISTINCT FROM $2`, [m.value === "-" ? null : m.value])).cost);
      expect(r.daily.reduce((a, d) => a + (d.sums.costMicros ?? 0n), 0n)).toBe(BigInt(raw.cost));
      expect(r.errors.every((e) => e.language === (param === "-" ? null : param))).toBe(true);
    }
    // A language in the URL survives a round trip through the params (the filter bar's links).
    expect(ReportParams.parse({ language: "python" }).language).toBe("python");
  });

  it("falls back to the last 30 days for a bad or oversized custom range instead of failing", () => {
    expect(ReportParams.parse({ range: "nope", from: "x" })).toMatchObject({ range: "30d", from: undefined });
  });

  it("falls back to the last 30 days for a custom range in year 0050 instead of showing 1950's usage under its label", () => {
    // Date.UTC reads years 0–99 as 1900–1999: the range ran from 0050-01-01 (read as 1950) to 1950-01-06.
    const now = new Date("2026-11-20T12:00:00Z");
    expect(reportDates(ReportParams.parse({ range: "custom", from: "0050-01-01", to: "0050-01-05" }), "UTC", now)).toEqual(reportDates(ReportParams.parse({}), "UTC", now));
  });

  it("ignores a filter in the URL that PostgreSQL cannot hold (a NUL byte) instead of failing the page", async () => {
    const o = await createOrg();
    await writeUsageEvents([ev(o, new Date(Date.now() - 3_600_000), 1)]);
    for (const p of [{ model: "gpt\u0000" }, { ws: "a\u0000b" }, { member: "\u0000" }, { service: "\ud800" }]) {
      const report = await loadReport(o.ctx, ReportParams.parse(p));
      expect(report.totals.sums.requests, JSON.stringify(p)).toBe(1n);
    }
  });
});
