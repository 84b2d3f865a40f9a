import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { prisma } from "@/server/db";
import { sha256Hex } from "@/server/crypto";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { createApiToken, revokeApiToken } from "@/features/api-tokens/server/api-tokens";
import { runExport } from "./run";
import { expireExports } from "./exports";
import { aggregatedRows } from "./aggregate";
import { loadLabels } from "./labels";
import { systemContext } from "@/server/tenant";
import { GET as reportGET } from "@/app/api/v1/reports/usage/route";
import { GET as exportsGET, POST as exportsPOST } from "@/app/api/v1/exports/route";
import { GET as exportGET } from "@/app/api/v1/exports/[exportId]/route";
import { GET as downloadGET } from "@/app/api/v1/exports/[exportId]/download/route";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { csvObjects } from "../../../../test/helpers/csv";
import { normalizedEvent } from "../../../../test/helpers/events";

// The report API and exports against sums computed here, in JS, from the generated raw
// events (never from the rollups the module reads), in a zone with DST.

const TZ = "America/New_York";
const MODELS = ["gpt-4o", "=HYPERLINK(\"x\")", "claude,3.5", "-2+3"];
const DAY = 86_400_000;
const localDay = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);

type Setup = Awaited<ReturnType<typeof setup>>;
async function setup(seed: number) {
  const o = await createOrg();
  await prisma.org.update({ where: { id: o.org.id }, data: { timeZone: TZ } });
  const m = await addMember(o.org.id, "member");
  const events: NormalizedEvent[] = fc.sample(
    fc.record({
      ago: fc.integer({ min: 60_000, max: 9 * DAY }),
      model: fc.constantFrom(...MODELS),
      member: fc.constantFrom(null, m.user.id, o.owner.id),
      input: fc.integer({ min: 0, max: 5000 }),
      output: fc.integer({ min: 0, max: 2000 }),
      cost: fc.bigInt({ min: 0n, max: 50_000_000n }),
      status: fc.constantFrom(200, 200, 200, 429, 500),
      latency: fc.integer({ min: 1, max: 20_000 }),
    }),
    { numRuns: 250, seed },
  ).map((r, i) =>
    normalizedEvent(o.org.id, o.workspace.id, {
      externalId: `ev-${seed}-${i}`,
      model: r.model,
      projectTagId: o.defaultTag.id,
      memberId: r.member,
      language: ["python", "typescript", null][i % 3]!,
      occurredAt: new Date(Math.floor((Date.now() - r.ago) / 1000) * 1000),
      inputTokens: r.input,
      outputTokens: r.output,
      costMicros: r.cost,
      latencyMs: r.latency,
      status: r.status,
    }),
  );
  await writeUsageEvents(events);
  const { token } = await createApiToken(o.ctx, { name: "pipeline", scopes: ["reports:read"] });
  return { ...o, member: m, events, token };
}

let A: Setup;
let B: Setup;
const from = localDay(new Date(Date.now() - 12 * DAY));
const to = localDay(new Date(Date.now() + 2 * DAY));

beforeAll(async () => {
  A = await setup(1);
  B = await setup(2);
}, 60_000);

type Handler<P> = (req: Request, c: { params: Promise<P> }) => Promise<Response>;
const call = <P extends Record<string, string>>(handler: Handler<P>, url: string, token: string | null, params: P = {} as P, init: RequestInit = {}) =>
  handler(new Request(`http://localhost${url}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" } }), { params: Promise.resolve(params) });

async function allPages(token: string, query: string, format: "json" | "csv" | "ndjson") {
  const rows: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Response = await call(reportGET, `/api/v1/reports/usage?${query}&format=${format}${cursor ? `&cursor=${cursor}` : ""}`, token);
    expect(res.status, await res.clone().text()).toBe(200);
    const text = await res.text();
    if (format === "json") {
      const body = JSON.parse(text) as { data: Record<string, unknown>[]; next_cursor: string | null };
      rows.push(...body.data);
      cursor = body.next_cursor;
    } else {
      rows.push(...(format === "csv" ? csvObjects(text) : text.trim().split("\n").filter(Boolean).map((l: string) => JSON.parse(l) as Record<string, unknown>)));
      cursor = res.headers.get("x-next-cursor");
    }
    pages++;
  } while (cursor && pages < 100);
  return { rows, pages };
}

function expectedByDayModel(events: NormalizedEvent[]) {
  const m = new Map<string, { cost: bigint; requests: number; errors: number; input: number }>();
  for (const e of events) {
    const k = `${localDay(e.occurredAt)}|${e.model}`;
    const v = m.get(k) ?? { cost: 0n, requests: 0, errors: 0, input: 0 };
    v.cost += e.costMicros!;
    v.requests += 1;
    v.errors += e.status >= 400 ? 1 : 0;
    v.input += e.inputTokens;
    m.set(k, v);
  }
  return m;
}

describe("GET /api/v1/reports/usage", () => {
  it.each(["json", "csv", "ndjson"] as const)("pages through day × model rows whose sums equal the raw events' (%s)", async (format) => {
    const { rows, pages } = await allPages(A.token, `from=${from}&to=${to}&bucket=day&group_by=model&limit=7`, format);
    expect(pages).toBeGreaterThan(1);
    const got = new Map<string, { cost: bigint; requests: number; errors: number; input: number }>();
    for (const r of rows) {
      const model = String(r.model);
      const key = `${String(r.bucket_start).slice(0, 10)}|${format === "csv" && /^[=+\-@]/.test(model.slice(1)) && model.startsWith("'") ? model.slice(1) : model}`;
      expect(got.has(key), `row ${key} appears once`).toBe(false);
      expect(String(r.cost_usd).replace(".", "").replace(/^0+(?=\d)/, "")).toBe(BigInt(String(r.cost_micros)).toString());
      got.set(key, { cost: BigInt(String(r.cost_micros)), requests: Number(r.requests), errors: Number(r.errors), input: Number(r.input_tokens) });
    }
    expect(got).toEqual(expectedByDayModel(A.events));
  });

  it("filters by member and keeps totals exact without a bucket", async () => {
    const res = await call(reportGET, `/api/v1/reports/usage?from=${from}&to=${to}&member_id=${A.member.user.id}&group_by=member`, A.token);
    const body = (await res.json()) as { data: { member_id: string; member: string; cost_micros: string }[] };
    const mine = A.events.filter((e) => e.memberId === A.member.user.id);
    expect(body.data).toHaveLength(mine.length ? 1 : 0);
    if (mine.length) {
      expect(body.data[0]!.cost_micros).toBe(mine.reduce((s, e) => s + e.costMicros!, 0n).toString());
      expect(body.data[0]!.member).toBe(A.member.user.email);
    }
  });

  it("filters by language, and by 'no language' with '-', with the raw events' sums", async () => {
    for (const [param, lang] of [["python", "python"], ["-", null]] as const) {
      const res = await call(reportGET, `/api/v1/reports/usage?from=${from}&to=${to}&language=${param}&group_by=language`, A.token);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { language: string; requests: number; cost_micros: string }[] };
      const mine = A.events.filter((e) => e.language === lang);
      expect(mine.length).toBeGreaterThan(0);
      expect(body.data).toHaveLength(1);
      expect(body.data[0]!.cost_micros).toBe(mine.reduce((s, e) => s + e.costMicros!, 0n).toString());
      expect(Number(body.data[0]!.requests)).toBe(mine.length);
    }
  });

  it("a token reads its own org only", async () => {
    const { rows } = await allPages(B.token, `from=${from}&to=${to}&group_by=member`, "json");
    const total = rows.reduce((s, r) => s + BigInt(String(r.cost_micros)), 0n);
    expect(total).toBe(B.events.reduce((s, e) => s + e.costMicros!, 0n));
    expect(JSON.stringify(rows)).not.toContain(A.owner.id);
    // Filtering by org A's ids through B's token finds nothing of A.
    const res = await call(reportGET, `/api/v1/reports/usage?from=${from}&to=${to}&workspace_id=${A.workspace.id}`, B.token);
    const data = ((await res.json()) as { data: { requests: number; cost_micros: string }[] }).data;
    expect(data.every((r) => r.requests === 0 && r.cost_micros === "0")).toBe(true);
  });

  it("refuses missing, unknown and revoked tokens (401), tokens without the scope (403) and bad input (400 naming the field)", async () => {
    const q = `/api/v1/reports/usage?from=${from}&to=${to}`;
    expect((await call(reportGET, q, null)).status).toBe(401);
    expect((await call(reportGET, q, "tg_api_nope")).status).toBe(401);
    const scopeless = `tg_api_${uniq("x")}`;
    await prisma.apiToken.create({ data: { orgId: A.org.id, name: "no scope", scopes: [], tokenHash: sha256Hex(scopeless), prefix: "tg_api_x" } });
    expect((await call(reportGET, q, scopeless)).status).toBe(403);
    expect((await call(exportsGET, "/api/v1/exports", scopeless)).status).toBe(403);
    const bad = await call(reportGET, `/api/v1/reports/usage?from=${from}&to=${to}&bucket=fortnight`, A.token);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("bucket");
    const badCursor = await call(reportGET, `${q}&cursor=abc`, A.token);
    expect(badCursor.status).toBe(400);
    const { token, id } = await createApiToken(A.ctx, { name: "temp" });
    expect((await call(reportGET, q, token)).status).toBe(200);
    await revokeApiToken(A.ctx, { tokenId: id });
    expect((await call(reportGET, q, token)).status).toBe(401);
    const audit = await prisma.auditLog.findMany({ where: { orgId: A.org.id, targetId: id }, select: { action: true } });
    expect(audit.map((a) => a.action).sort()).toEqual(["api_token.created", "api_token.revoked"]);
    const row = await prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.tokenHash).toBe(sha256Hex(token));
    expect(row.lastUsedAt).not.toBeNull();
  });
});

describe("aggregated rows in windows", () => {
  it("returns the same rows, in the same order, whatever the per-query limit (windows halve until they fit) and from any position", async () => {
    const ctx = await systemContext(A.org.id);
    const labels = await loadLabels(A.org.id);
    const q = { from, to, bucket: "hour" as const, group_by: ["model" as const, "member" as const] };
    const read = async (limit: number, start?: { t: number; skip: number }) => {
      const out: { key: string; pos: { t: number; skip: number } }[] = [];
      for await (const { row, pos } of aggregatedRows(ctx, q, labels, start, limit)) out.push({ key: `${row.bucketStart!.toISOString()}|${row.dims.model}|${row.dims.member}|${row.costMicros}`, pos });
      return out;
    };
    const full = await read(10_000); // at most 4 models × 3 members = 12 groups per hour, so 13 fits one bucket
    expect(full.length).toBeGreaterThan(50);
    expect((await read(13)).map((r) => r.key)).toEqual(full.map((r) => r.key));
    for (const i of [1, 17, full.length - 1]) expect((await read(15, full[i]!.pos)).map((r) => r.key)).toEqual(full.slice(i).map((r) => r.key));
  });
});

describe("exports through the API", () => {
  async function startAndRun(token: string, body: unknown) {
    const res = await call(exportsPOST, "/api/v1/exports", token, {}, { method: "POST", body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(202);
    const { data } = (await res.json()) as { data: { id: string; status: string } };
    expect(data.status).toBe("queued");
    await runExport(data.id);
    return data.id;
  }

  it("writes a raw CSV export with one row per event and the raw events' total", async () => {
    const id = await startAndRun(A.token, { shape: "raw", format: "csv", from, to });
    const status = (await (await call(exportGET, `/api/v1/exports/${id}`, A.token, { exportId: id })).json()) as { data: { status: string; progress: number; rows: number } };
    expect(status.data).toMatchObject({ status: "done", progress: 100, rows: A.events.length });
    const res = await call(downloadGET, `/api/v1/exports/${id}/download`, A.token, { exportId: id });
    expect(res.headers.get("content-disposition")).toContain(".csv");
    const rows = csvObjects(await res.text());
    expect(rows).toHaveLength(A.events.length);
    expect(rows.reduce((s, r) => s + BigInt(r.cost_micros!), 0n)).toBe(A.events.reduce((s, e) => s + e.costMicros!, 0n));
    expect(rows.every((r) => !/^[=+\-@\t\r]/.test(r.model!))).toBe(true);
    expect(new Set(rows.map((r) => r.occurred_at!.slice(-6)))).toSatisfy((s: Set<string>) => [...s].every((o) => o === "-05:00" || o === "-04:00"));
    // Org B's token cannot see or download it.
    expect((await call(exportGET, `/api/v1/exports/${id}`, B.token, { exportId: id })).status).toBe(404);
    expect((await call(downloadGET, `/api/v1/exports/${id}/download`, B.token, { exportId: id })).status).toBe(404);
  });

  it("writes an aggregated NDJSON export matching the raw sums, and expires it after 7 days", async () => {
    const id = await startAndRun(A.token, { shape: "aggregated", format: "ndjson", from, to, bucket: "day", group_by: ["model"] });
    const text = await (await call(downloadGET, `/api/v1/exports/${id}/download`, A.token, { exportId: id })).text();
    const got = new Map(
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, string | number>)
        .map((r) => [`${String(r.bucket_start).slice(0, 10)}|${r.model}`, { cost: BigInt(r.cost_micros!), requests: Number(r.requests), errors: Number(r.errors), input: Number(r.input_tokens) }]),
    );
    expect(got).toEqual(expectedByDayModel(A.events));
    expect(await expireExports(new Date(Date.now() + 8 * DAY))).toBeGreaterThanOrEqual(1);
    expect((await call(downloadGET, `/api/v1/exports/${id}/download`, A.token, { exportId: id })).status).toBe(404);
    expect(await prisma.exportChunk.count({ where: { exportId: id } })).toBe(0);
  });

  it("refuses a bad export request with the field named and creates nothing", async () => {
    const before = await prisma.export.count({ where: { orgId: A.org.id } });
    const res = await call(exportsPOST, "/api/v1/exports", A.token, {}, { method: "POST", body: JSON.stringify({ shape: "pdf", from, to }) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("shape");
    const res2 = await call(exportsPOST, "/api/v1/exports", A.token, {}, { method: "POST", body: JSON.stringify({ from: to, to: from }) });
    expect(res2.status).toBe(400);
    expect(await prisma.export.count({ where: { orgId: A.org.id } })).toBe(before);
  });
});
