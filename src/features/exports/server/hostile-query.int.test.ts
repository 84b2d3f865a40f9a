import { beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createApiToken } from "@/features/api-tokens/server/api-tokens";
import { GET as reportGET } from "@/app/api/v1/reports/usage/route";
import { POST as exportsPOST } from "@/app/api/v1/exports/route";
import { GET as downloadGET } from "@/app/api/v1/exports/[exportId]/download/route";
import { runExport } from "./run";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import { periodBounds } from "@/lib/periods";
import { createOrg } from "../../../../test/helpers/factory";
import { csvObjects } from "../../../../test/helpers/csv";
import { normalizedEvent } from "../../../../test/helpers/events";

// Hostile report queries through the token routes: each is refused with a 400 naming the
// field, and nothing is written.

let o: Awaited<ReturnType<typeof createOrg>>;
let token = "";
beforeAll(async () => {
  o = await createOrg();
  token = (await createApiToken(o.ctx, { name: "pipeline" })).token;
});

const send = (handler: typeof reportGET, url: string, init: RequestInit = {}) =>
  handler(new Request(`http://localhost${url}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }), { params: Promise.resolve({}) });

async function expect400Naming(res: Response, field: string) {
  const body = (await res.json()) as { error: { issues?: { path: string }[] } };
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body.error.issues?.map((i) => i.path.split(".")[0])).toContain(field);
}

describe("filter values PostgreSQL cannot hold", () => {
  it("a report filter with a NUL byte is refused with 400 naming the filter", async () => {
    for (const [field, value] of [["model", "%00"], ["workspace_id", "a%00b"], ["service", "x%00"]] as const) {
      await expect400Naming(await send(reportGET, `/api/v1/reports/usage?from=2026-11-01&to=2026-11-20&${field}=${value}`), field);
    }
  });

  it("an export whose filter has a NUL byte or a lone surrogate is refused with 400 naming the filter, and creates nothing", async () => {
    for (const [field, value] of [["model", ["\u0000"]], ["member_id", "a\u0000"], ["service", ["\ud800"]], ["language", ["x\udc00y"]]] as const) {
      const res = await send(exportsPOST, "/api/v1/exports", { method: "POST", body: JSON.stringify({ from: "2026-11-01", to: "2026-11-20", shape: "raw", [field]: value }) });
      await expect400Naming(res, field);
    }
    expect(await prisma.export.count({ where: { orgId: o.org.id } })).toBe(0);
    // A surrogate pair (an emoji) is ordinary text.
    const ok = await send(exportsPOST, "/api/v1/exports", { method: "POST", body: JSON.stringify({ from: "2026-11-01", to: "2026-11-20", model: ["gpt-😀"] }) });
    expect(ok.status).toBe(202);
  });
});

describe("a range that does not start on a whole minute", () => {
  it("a minute-bucketed report totals the same events as the hour-bucketed and unbucketed reports of that range", async () => {
    const m = Date.UTC(2026, 10, 10, 3, 0, 0);
    await writeUsageEvents(
      [
        [10_000, 7n], // before `from`, in the minute `from` falls in
        [40_000, 11n], // after `from`, in the same minute
        [125_000, 13n],
      ].map(([ms, cost]) => normalizedEvent(o.org.id, o.workspace.id, { occurredAt: new Date(m + Number(ms)), costMicros: cost as bigint })),
    );
    const range = `from=${new Date(m + 30_000).toISOString()}&to=${new Date(m + 300_000).toISOString()}`;
    const total = async (bucket: string) => {
      const res = await send(reportGET, `/api/v1/reports/usage?${range}${bucket ? `&bucket=${bucket}` : ""}`);
      expect(res.status).toBe(200);
      const { data } = (await res.json()) as { data: { cost_micros: string }[] };
      return data.reduce((s, r) => s + BigInt(r.cost_micros), 0n);
    };
    const unbucketed = await total("");
    expect(await total("hour")).toBe(unbucketed);
    expect(await total("minute")).toBe(unbucketed);
  });
});

describe("dates before 1970", () => {
  it("a report or export range in year 0050 is refused with 400 naming the field, not answered with 1950's usage", async () => {
    // JavaScript's Date.UTC reads years 0–99 as 1900–1999: 0050-01-02 was local midnight of 1950-01-02.
    await writeUsageEvents([normalizedEvent(o.org.id, o.workspace.id, { occurredAt: new Date(Date.UTC(1950, 0, 2, 12)), costMicros: 5n })]);
    await expect400Naming(await send(reportGET, "/api/v1/reports/usage?from=0050-01-01&to=0050-01-05&bucket=day"), "from");
    await expect400Naming(await send(reportGET, "/api/v1/reports/usage?from=2026-01-01&to=0026-02-01"), "to");
    await expect400Naming(await send(reportGET, "/api/v1/reports/usage?from=0050-01-01T00:00:00Z&to=0050-01-05T00:00:00Z&bucket=day"), "from");
    const before = await prisma.export.count({ where: { orgId: o.org.id } });
    await expect400Naming(await send(exportsPOST, "/api/v1/exports", { method: "POST", body: JSON.stringify({ from: "0050-01-01", to: "0050-01-05" }) }), "from");
    expect(await prisma.export.count({ where: { orgId: o.org.id } })).toBe(before);
  });
});

describe("a day whose midnight happens twice", () => {
  it("day buckets in America/Havana start when the calendar day starts and tile, across the night its clocks fall back from 01:00 to 00:00", async () => {
    // 2026-11-01 01:00 CDT → 00:00 CST: local midnight is both 04:00Z and 05:00Z; the day starts at the first.
    const h = await createOrg();
    const tz = "America/Havana";
    await prisma.org.update({ where: { id: h.org.id }, data: { timeZone: tz } });
    const { token: t } = await createApiToken(h.ctx, { name: "pipeline" });
    const at = [Date.UTC(2026, 9, 31, 12), Date.UTC(2026, 10, 1, 4, 30), Date.UTC(2026, 10, 1, 12), Date.UTC(2026, 10, 2, 12)];
    await writeUsageEvents(at.map((ms) => normalizedEvent(h.org.id, h.workspace.id, { occurredAt: new Date(ms), costMicros: 3n })));
    const res = await reportGET(new Request("http://localhost/api/v1/reports/usage?from=2026-10-31&to=2026-11-03&bucket=day", { headers: { authorization: `Bearer ${t}` } }), { params: Promise.resolve({}) });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { bucket_start: string; bucket_end: string | null; requests: number }[] };
    const starts = ["2026-10-31", "2026-11-01", "2026-11-02"].map((d) => periodBounds("daily", tz, Date.parse(`${d}T12:00:00Z`)).start.getTime());
    expect(starts[1]).toBe(Date.UTC(2026, 10, 1, 4));
    expect(data.map((r) => Date.parse(r.bucket_start))).toEqual(starts);
    expect(data.map((r) => r.requests)).toEqual([1, 2, 1]);
    for (let i = 0; i + 1 < data.length; i++) expect(data[i]!.bucket_end).toBe(data[i + 1]!.bucket_start);
    expect(data[2]!.bucket_end).not.toBeNull();
  });
});

describe("a range that does not start on a whole minute, exported raw and aggregated", () => {
  it("a raw export of the range holds the same events as the aggregated export and the report of it", async () => {
    const r = await createOrg();
    const { token: t } = await createApiToken(r.ctx, { name: "pipeline" });
    const m = Date.UTC(2026, 10, 12, 9, 0, 0);
    await writeUsageEvents(
      [
        [10_000, 7n],
        [40_000, 11n], // after `from`, in the minute `from` falls in
        [125_000, 13n],
        [290_000, 17n], // before `to`, in the minute `to` falls in
      ].map(([ms, cost]) => normalizedEvent(r.org.id, r.workspace.id, { occurredAt: new Date(m + Number(ms)), costMicros: cost as bigint })),
    );
    const range = { from: new Date(m + 30_000).toISOString(), to: new Date(m + 295_000).toISOString() };
    const as = (init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${t}`, "content-type": "application/json" } });
    const exportTotal = async (shape: string) => {
      const res = await exportsPOST(new Request("http://localhost/api/v1/exports", as({ method: "POST", body: JSON.stringify({ ...range, shape }) })), { params: Promise.resolve({}) });
      const { data } = (await res.json()) as { data: { id: string } };
      expect(await runExport(data.id)).toMatchObject({ status: "done" });
      const file = await downloadGET(new Request(`http://localhost/api/v1/exports/${data.id}/download`, as()), { params: Promise.resolve({ exportId: data.id }) });
      return csvObjects(await file.text()).reduce((sum, row) => sum + BigInt(row.cost_micros!), 0n);
    };
    const report = await reportGET(new Request(`http://localhost/api/v1/reports/usage?from=${range.from}&to=${range.to}`, as()), { params: Promise.resolve({}) });
    const reported = BigInt(((await report.json()) as { data: { cost_micros: string }[] }).data[0]!.cost_micros);
    expect(await exportTotal("aggregated")).toBe(reported);
    expect(await exportTotal("raw")).toBe(reported);
  });
});
