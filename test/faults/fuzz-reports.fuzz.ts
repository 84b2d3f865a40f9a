/**
 * Hostile input, over HTTP to the running production app, for the report API and exports (org
 * API token, scope reports:read): `GET /api/v1/reports/usage` with valid, mutated-valid and
 * arbitrary query strings; `POST /api/v1/exports` with valid, mutated and arbitrary bodies;
 * `GET /api/v1/exports/{id}` and `/download` with real, mutated and arbitrary ids. The same
 * invariants as fuzz-http.fuzz.ts for every case: no 5xx, no partial write (the org's events,
 * rollups, budgets, audit rows and exports are compared before and after each rejection), every
 * rejection names what was wrong, no stack trace or secret in any answer.
 * FUZZ_CASES per input kind and surface (default 100).
 */
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { createApiToken } from "@/features/api-tokens/server/api-tokens";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { runExport } from "@/features/exports/server/run";
import { GROUP_BY } from "@/features/exports/schemas";
import { createOrg } from "../helpers/factory";
import { arbitraryJson, mutate, pushBatch } from "./arbitraries";
import { judgeCase, mergeFuzzResults, newSurface, type FuzzSurface } from "./fuzz-results";

const BASE = process.env.FAULTS_BASE_URL ?? "";
const CASES = Number(process.env.FUZZ_CASES ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RESULTS = process.env.FAULTS_RESULTS ?? ".data/faults/fuzz.json";
const DAY = 86_400_000;

const surfaces: Record<string, FuzzSurface> = {};
let org: Awaited<ReturnType<typeof createOrg>>;
let other: Awaited<ReturnType<typeof createOrg>>;
let token = "";
let doneExportId = "";
let otherExportId = "";
const secrets = () => [token, process.env.NEXTAUTH_SECRET, process.env.ENCRYPTION_KEY].filter((s): s is string => !!s && s.length > 8);

async function snapshot(): Promise<string> {
  const r = await pool.query(
    `SELECT (SELECT count(*) FROM usage_events WHERE "orgId" = $1) AS events,
            (SELECT coalesce(sum(requests), 0)::text || '/' || coalesce(sum("costMicros"), 0)::text FROM usage_rollups WHERE "orgId" = $1) AS rollups,
            (SELECT count(*) FROM budgets WHERE "orgId" = $1) AS budgets,
            (SELECT count(*) FROM audit_logs WHERE "orgId" = $1) AS audit,
            (SELECT count(*)::text || '/' || coalesce(md5(string_agg(e::text, ',' ORDER BY e.id)), '') FROM exports e WHERE e."orgId" = $1) AS exports`,
    [org.org.id],
  );
  return JSON.stringify(r.rows[0]);
}

async function send(surface: string, path: string, init: { method?: string; body?: string }, label: string) {
  const before = await snapshot();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(new URL(path, BASE), { method: init.method ?? "GET", headers, body: init.body, redirect: "manual" });
  const body = Buffer.from(await res.arrayBuffer());
  const describe = `${label}: ${init.method ?? "GET"} ${path.slice(0, 200)} ${init.body?.slice(0, 200) ?? ""}`;
  await judgeCase((surfaces[surface] ??= newSurface()), { res, body, before, after: snapshot, secrets: secrets(), describe });
  return res.status;
}

const sample = <T,>(arb: fc.Arbitrary<T>, salt: number) => fc.sample(arb, { numRuns: CASES, seed: SEED + salt });
const day = (ago: number) => new Date(Date.now() - ago * DAY).toISOString().slice(0, 10);

/** A valid report query: a range of up to 40 days ending today or earlier, and its options. */
const reportQuery = fc.record(
  {
    from: fc.integer({ min: 1, max: 40 }).map(day),
    to: fc.constant(day(-1)),
    bucket: fc.constantFrom("hour", "day", "week", "month", undefined),
    group_by: fc.option(fc.uniqueArray(fc.constantFrom(...GROUP_BY), { maxLength: 4 }), { nil: undefined }),
    provider: fc.option(fc.subarray(["openrouter", "openai"], { minLength: 1 }), { nil: undefined }),
    status_class: fc.option(fc.subarray(["2xx", "4xx", "5xx", "other"], { minLength: 1 }), { nil: undefined }),
    format: fc.constantFrom("json", "csv", "ndjson"),
    limit: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
  },
  { requiredKeys: ["from", "to"] },
);

/** Object → query string: arrays as repeated keys, everything else as its string (or JSON). */
function qs(v: unknown): string {
  if (!v || typeof v !== "object" || Array.isArray(v)) return new URLSearchParams({ q: JSON.stringify(v) ?? "" }).toString();
  const sp = new URLSearchParams();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    for (const item of Array.isArray(x) ? x : [x]) sp.append(k, typeof item === "string" ? item : (JSON.stringify(item) ?? String(item)));
  }
  return sp.toString();
}

/** Arbitrary query strings: random keys (mostly the real ones) with random values, and raw text. */
const arbitraryQuery = fc.oneof(
  fc.array(fc.tuple(fc.oneof(fc.constantFrom("from", "to", "bucket", "group_by", "format", "limit", "cursor", "provider", "model", "workspace_id", "status_class"), fc.string({ maxLength: 12 })), fc.string({ maxLength: 40 })), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ maxLength: 200 }).map((s) => encodeURI(s).replace(/#/g, "%23")),
  fc.string({ maxLength: 200, unit: "binary-ascii" }).map((s) => encodeURIComponent(s)),
);

const exportInput = reportQuery.chain((q) =>
  fc.record({ shape: fc.constantFrom("aggregated", "raw"), format: fc.constantFrom("csv", "json", "ndjson") }).map((o) => {
    const { limit: _l, ...rest } = q;
    return { ...rest, ...o, from: day(7) };
  }),
);

const idish = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }).map(encodeURIComponent),
  fc.constantFrom("..", "%2e%2e", "%00", "-", "x".repeat(300), "' OR 1=1 --"),
  fc.uuid(),
);

beforeAll(async () => {
  if (!BASE) throw new Error("FAULTS_BASE_URL is not set: run with npm run test:faults");
  org = await createOrg();
  other = await createOrg();
  ({ token } = await createApiToken(org.ctx, { name: "fuzz-reports", scopes: ["reports:read"] }));
  // Some usage to report on, through the ingest API like any client.
  const { token: ingest } = await createIngestToken(org.ctx, { workspaceId: org.workspace.id, name: "fuzz-reports" });
  for (const b of fc.sample(pushBatch, { numRuns: 20, seed: SEED })) {
    await fetch(new URL("/api/v1/usage", BASE), { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ingest}` }, body: JSON.stringify(b) });
  }
  // A finished export of this org (runs in-process: the suite starts no worker) and one of another org.
  const created = await fetch(new URL("/api/v1/exports", BASE), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ from: day(7), to: day(-1), shape: "raw", format: "csv" }),
  });
  doneExportId = ((await created.json()) as { data: { id: string } }).data.id;
  await runExport(doneExportId);
  const { token: otherToken } = await createApiToken(other.ctx, { name: "fuzz-other", scopes: ["reports:read"] });
  const o = await fetch(new URL("/api/v1/exports", BASE), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${otherToken}` },
    body: JSON.stringify({ from: day(7), to: day(-1) }),
  });
  otherExportId = ((await o.json()) as { data: { id: string } }).data.id;
});

// After every surface, not only at the end: a long run (FUZZ_CASES in the thousands) that is
// stopped keeps the figures of the surfaces it finished.
afterEach(() => mergeFuzzResults(RESULTS, SEED, CASES, surfaces));

afterAll(async () => {
  mergeFuzzResults(RESULTS, SEED, CASES, surfaces);
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

describe("hostile input over HTTP: the report API and exports", () => {
  it("report API: valid, mutated and arbitrary query strings", async () => {
    const path = "/api/v1/reports/usage?";
    const ok: number[] = [];
    for (const q of sample(reportQuery, 21)) ok.push(await send("report-api", path + qs(q), {}, "valid"));
    // A valid query always answers 200: the fuzz reaches the report, not only the validation.
    expect(ok.filter((s) => s !== 200), "valid report queries that were not answered 200").toEqual([]);
    for (const q of sample(mutate(reportQuery), 22)) await send("report-api", path + qs(q), {}, "mutated");
    for (const q of sample(arbitraryQuery, 23)) await send("report-api", path + q, {}, "arbitrary query");
    // Cursors: random text, and a real cursor with a changed query.
    const first = await fetch(new URL(`${path}from=${day(30)}&to=${day(-1)}&bucket=hour&limit=1`, BASE), { headers: { authorization: `Bearer ${token}` } });
    const cursor = first.headers.get("x-next-cursor") ?? "";
    for (const c of sample(fc.oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 200 }), fc.constant(cursor)), 24)) {
      await send("report-api", `${path}from=${day(30)}&to=${day(-1)}&bucket=day&limit=1&cursor=${encodeURIComponent(c)}`, {}, "cursor");
    }
  });

  it("exports: start with valid, mutated and arbitrary bodies", async () => {
    const ok: number[] = [];
    for (const b of sample(exportInput, 25)) ok.push(await send("exports-start", "/api/v1/exports", { method: "POST", body: JSON.stringify(b) }, "valid"));
    // Valid bodies are accepted, unless the API's own export rate limit answers 429.
    expect(ok.filter((s) => s !== 202 && s !== 429), "valid export bodies refused").toEqual([]);
    for (const b of sample(mutate(exportInput), 26)) await send("exports-start", "/api/v1/exports", { method: "POST", body: JSON.stringify(b) }, "mutated");
    for (const b of sample(arbitraryJson, 27)) await send("exports-start", "/api/v1/exports", { method: "POST", body: b }, "arbitrary json");
  });

  it("exports: status and download with real, foreign, mutated and arbitrary ids", async () => {
    expect(await send("exports-download", `/api/v1/exports/${doneExportId}/download`, {}, "own, done")).toBe(200);
    expect(await send("exports-download", `/api/v1/exports/${otherExportId}/download`, {}, "another org's")).toBe(404);
    expect(await send("exports-download", `/api/v1/exports/${otherExportId}`, {}, "another org's")).toBe(404);
    const ids = fc.oneof(idish, fc.tuple(fc.constant(doneExportId), fc.nat({ max: 30 }), fc.string({ maxLength: 3 })).map(([id, at, s]) => encodeURIComponent(id.slice(0, at) + s + id.slice(at + s.length))));
    for (const id of sample(ids, 28)) await send("exports-download", `/api/v1/exports/${id}/download`, {}, "id");
    for (const id of sample(ids, 29)) await send("exports-download", `/api/v1/exports/${id}`, {}, "id");
    for (const q of sample(arbitraryQuery, 30)) await send("exports-download", `/api/v1/exports/${doneExportId}/download?${q}`, {}, "own, arbitrary query");
  });

  it("holds the invariants: no 5xx, no partial write, no leak, every rejection explained", () => {
    expect(Object.keys(surfaces).length, "no surface ran").toBeGreaterThan(0);
    // Unless a name filter left the export-start test out (`-t "report API|holds"`).
    if (surfaces["exports-start"]) expect(surfaces["exports-start"].writesSeen, "no accepted export changed the snapshot").toBeGreaterThan(0);
    const bad = Object.entries(surfaces).filter(([, s]) => s.status5xx || s.partialWrites || s.leaks || s.unnamed);
    expect(Object.fromEntries(bad.map(([k, s]) => [k, s.examples]))).toEqual({});
  });
});
