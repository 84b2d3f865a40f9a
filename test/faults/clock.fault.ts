/**
 * The clock suite: an injectable clock (src/lib/clock.ts `setClock`, not a patched Date) walks
 * across day, week and month boundaries in Asia/Kathmandu (UTC+05:45) and across the end of DST in
 * America/New_York (Sunday 1 November 2026, 02:00 EDT → 01:00 EST, a 25-hour day) while usage
 * arrives through the ingest route (in process, real PostgreSQL and Redis) and budgets evaluate
 * at the clock's time (the landing evaluation, the sweep's full one, and the ended-period path
 * for usage that arrives after its period ended).
 *
 * The ledger is independent of src/lib/periods.ts: every period boundary below is written out by
 * hand as a UTC instant. Checks: every event once; per budget and period the app's spend equals
 * the ledger's; exactly one alert per budget, period and threshold crossed (none for the others).
 */
import { afterAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/v1/usage/route";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { setClock } from "@/lib/clock";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { spendInRange } from "@/features/budgets/server/spend";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { makeBudget } from "@/features/budgets/test/fixtures";
import type { Budget } from "@/generated/prisma/client";
import { createOrg } from "../helpers/factory";
import { eventually, recordFigures, sleep } from "./harness";

afterAll(async () => {
  setClock(null);
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;

/** Hand-written periods (UTC instants): [start, end). */
type Periods = Record<"daily" | "weekly" | "monthly", { start: number; end: number; label: string }[]>;

// Asia/Kathmandu, UTC+05:45 all year: local midnight of day D is D−1 18:15Z.
// Sun 29 Nov 2026, Mon 30 Nov (a week starts), Tue 1 Dec (a month starts).
const KTM: Periods = {
  daily: [
    { start: T("2026-11-28T18:15:00Z"), end: T("2026-11-29T18:15:00Z"), label: "Sun 29 Nov" },
    { start: T("2026-11-29T18:15:00Z"), end: T("2026-11-30T18:15:00Z"), label: "Mon 30 Nov" },
    { start: T("2026-11-30T18:15:00Z"), end: T("2026-12-01T18:15:00Z"), label: "Tue 1 Dec" },
  ],
  weekly: [
    { start: T("2026-11-22T18:15:00Z"), end: T("2026-11-29T18:15:00Z"), label: "week of Mon 23 Nov" },
    { start: T("2026-11-29T18:15:00Z"), end: T("2026-12-06T18:15:00Z"), label: "week of Mon 30 Nov" },
  ],
  monthly: [
    { start: T("2026-10-31T18:15:00Z"), end: T("2026-11-30T18:15:00Z"), label: "November" },
    { start: T("2026-11-30T18:15:00Z"), end: T("2026-12-31T18:15:00Z"), label: "December" },
  ],
};
// America/New_York: EDT (−4) until Sun 1 Nov 2026 06:00Z, EST (−5) after. Sun 1 Nov lasts 25 h.
const NYC: Periods = {
  daily: [
    { start: T("2026-10-31T04:00:00Z"), end: T("2026-11-01T04:00:00Z"), label: "Sat 31 Oct" },
    { start: T("2026-11-01T04:00:00Z"), end: T("2026-11-02T05:00:00Z"), label: "Sun 1 Nov (25 h)" },
    { start: T("2026-11-02T05:00:00Z"), end: T("2026-11-03T05:00:00Z"), label: "Mon 2 Nov" },
  ],
  weekly: [
    { start: T("2026-10-26T04:00:00Z"), end: T("2026-11-02T05:00:00Z"), label: "week of Mon 26 Oct" },
    { start: T("2026-11-02T05:00:00Z"), end: T("2026-11-09T05:00:00Z"), label: "week of Mon 2 Nov" },
  ],
  monthly: [
    { start: T("2026-10-01T04:00:00Z"), end: T("2026-11-01T04:00:00Z"), label: "October" },
    { start: T("2026-11-01T04:00:00Z"), end: T("2026-12-01T05:00:00Z"), label: "November" },
  ],
};

/**
 * Clock walks (5-minute steps) and the events at each step. Kathmandu: across the week boundary,
 * then across the month boundary a day later. New York: across the month/day boundary and the DST
 * change, then across Monday's midnight (05:00Z in EST; a fixed −4 would wrongly cut at 04:00Z).
 * `late`: at these clock times, one extra event stamped `lateBy` before them arrives (usage that
 * belongs to the period that just ended).
 */
const WALKS = {
  KTM: { tz: "Asia/Kathmandu", periods: KTM, segments: [[T("2026-11-29T17:15:00Z"), T("2026-11-29T19:15:00Z")], [T("2026-11-30T17:15:00Z"), T("2026-11-30T19:15:00Z")]], late: [T("2026-11-29T18:25:00Z"), T("2026-11-30T18:30:00Z")] },
  NYC: { tz: "America/New_York", periods: NYC, segments: [[T("2026-11-01T03:30:00Z"), T("2026-11-01T06:30:00Z")], [T("2026-11-02T03:45:00Z"), T("2026-11-02T05:45:00Z")]], late: [T("2026-11-01T04:10:00Z"), T("2026-11-02T05:10:00Z")] },
} as const;
const STEP = 5 * MIN;
const PER_STEP = 3;
const COST = 1_013n; // µUSD per event: odd, so no spend lands exactly on a threshold

describe("an injectable clock crossing day, week, month and DST boundaries while usage arrives", () => {
  it("puts spend in the right period, counts every event once and alerts once per budget, period and threshold", async () => {
    let clock = 0;
    setClock(() => clock);
    const detail: Record<string, unknown> = {};
    let lost = 0;
    let double = 0;
    let duplicated = 0;
    let missed = 0;
    let spendWrong = 0;

    for (const [zone, walk] of Object.entries(WALKS)) {
      clock = walk.segments[0]![0]! - MIN;
      const o = await createOrg();
      await prisma.org.update({ where: { id: o.org.id }, data: { timeZone: walk.tz } });
      const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: `clock-${zone}` });
      // Amounts: about one hour (daily), two hours (weekly) and 2.5 hours (monthly) of the stream,
      // so some periods cross 50 % only, some 100 %, some nothing (+7 µUSD: never a multiple of COST, no tie).
      const hour = COST * BigInt(PER_STEP * 12);
      const budgets: Budget[] = [
        await makeBudget(o.org.id, { name: `${zone} daily`, period: "daily", amountMicros: (hour * 3n) / 2n + 7n, thresholds: [50, 100] }),
        await makeBudget(o.org.id, { name: `${zone} weekly`, period: "weekly", amountMicros: hour * 3n + 7n, thresholds: [50, 100] }),
        await makeBudget(o.org.id, { name: `${zone} monthly`, period: "monthly", amountMicros: (hour * 5n) / 2n + 7n, thresholds: [25, 50, 100] }),
      ];
      const ledger = new Map<string, number>(); // event id → timestamp (ms)
      const push = async (events: { id: string; at: number }[]) => {
        const res = await POST(
          new Request("http://localhost/api/v1/usage", {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: JSON.stringify({ events: events.map((e) => ({ id: e.id, timestamp: new Date(e.at).toISOString(), provider: "openai", model: "gpt-4o-mini", input_tokens: 10, output_tokens: 1, cost_usd: (Number(COST) / 1e6).toFixed(6) })) }),
          }),
        );
        expect(res.status, await res.clone().text()).toBe(202);
        for (const e of events) ledger.set(e.id, e.at);
      };

      let step = 0;
      for (const [from, to] of walk.segments) {
        for (let t = from!; t <= to!; t += STEP) {
          clock = t;
          const events = Array.from({ length: PER_STEP }, (_, i) => ({ id: `${zone}-${step}-${i}`, at: t - STEP + Math.round(((i + 1) * STEP) / (PER_STEP + 1)) }));
          const lateAt = walk.late.find((l) => l === t);
          if (lateAt) events.push({ id: `${zone}-late-${step}`, at: lateAt - 11 * MIN }); // > 5 min old: the ended-period path
          await push(events);
          // The landing evaluation, and the sweep's full one every third step, at the clock's time.
          for (const b of budgets) await evaluateBudget(o.org.id, b.id, undefined, { full: step % 3 === 0 });
          step += 1;
        }
      }

      // The ledger's view: spend per budget and period, thresholds crossed.
      const expected: { b: Budget; start: number; label: string; spend: bigint; crossed: number[] }[] = [];
      for (const b of budgets) {
        for (const p of walk.periods[b.period as "daily" | "weekly" | "monthly"]) {
          const n = [...ledger.values()].filter((at) => at >= p.start && at < p.end).length;
          const spend = BigInt(n) * COST;
          for (const th of b.thresholds) expect(spend * 100n, `a tie at ${th} %`).not.toBe(b.amountMicros * BigInt(th));
          expected.push({ b, start: p.start, label: p.label, spend, crossed: b.thresholds.filter((th) => spend * 100n >= b.amountMicros * BigInt(th)) });
        }
      }
      const alertRows = () => prisma.alert.findMany({ where: { orgId: o.org.id, kind: "budget_threshold" }, select: { budgetId: true, periodStart: true, threshold: true } });
      // Late usage is evaluated in the background (ingest's reevaluateEndedPeriods): let it finish.
      await eventually(async () => {
        const rows = await alertRows();
        return expected.every((e) => e.crossed.every((th) => rows.some((r) => r.budgetId === e.b.id && r.periodStart?.getTime() === e.start && r.threshold === th)));
      }, 30_000, 500);
      await sleep(1_000);
      const rows = await alertRows();

      const ev = (await pool.query<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT "externalId")::int AS d FROM usage_events WHERE "orgId" = $1`, [o.org.id])).rows[0]!;
      lost += Math.max(0, ledger.size - ev.d);
      double += ev.n - ev.d + Math.max(0, ev.d - ledger.size);
      const perPeriod: unknown[] = [];
      for (const e of expected) {
        const appSpend = await spendInRange(e.b, new Date(e.start), new Date(walk.periods[e.b.period as "daily"].find((p) => p.start === e.start)!.end));
        if (appSpend !== e.spend) spendWrong += 1;
        const got = rows.filter((r) => r.budgetId === e.b.id && r.periodStart?.getTime() === e.start);
        for (const th of e.b.thresholds) {
          const n = got.filter((r) => r.threshold === th).length;
          const want = e.crossed.includes(th) ? 1 : 0;
          duplicated += Math.max(0, n - want);
          missed += want && n === 0 ? 1 : 0;
        }
        perPeriod.push({ budget: e.b.name, period: e.label, spend: String(e.spend), app: String(appSpend), crossed: e.crossed, alerts: got.map((r) => r.threshold).sort((a, b) => a! - b!) });
      }
      // Alerts for a period the ledger does not know (a wrongly cut period) are duplicates too.
      duplicated += rows.filter((r) => !expected.some((e) => e.b.id === r.budgetId && e.start === r.periodStart?.getTime())).length;
      detail[zone] = { events: ledger.size, rows: ev.n, steps: step, perPeriod };
      console.table(perPeriod);
    }
    setClock(null);

    recordFigures("clock", { events_lost: lost, events_double_counted: double, alerts_duplicated: duplicated, alerts_missed: missed, pauses_unconfirmed: 0, detail: { ...detail, spendWrong } });
    expect({ lost, double, duplicated, missed, spendWrong }).toEqual({ lost: 0, double: 0, duplicated: 0, missed: 0, spendWrong: 0 });
  });
});
