import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { prisma } from "@/server/db";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { streamEvents, type UsageEventRow } from "@/features/usage/server/events";
import { streamEventRecords } from "@/features/usage/server/event-records";
import { microsToDecimalString } from "@/lib/money";
import { MAX_EVENT_COST_MICROS } from "@/features/ingest/limits";
import { RAW_COLUMNS } from "../columns";
import { isoInTimeZone, type CellKind, type ExportFormat } from "../format";
import { rawExportChunks } from "./rows";
import { loadLabels } from "./labels";
import { runExport } from "./run";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { normalizedEvent } from "../../../../test/helpers/events";

// The raw export reads events as text records and formats them with a per-hour offset cache
// (bench/reports-export.ts). Its output must be byte for byte what the previous path wrote: the
// usage module's object rows (Date, bigint) formatted cell by cell with isoInTimeZone, BigInt
// money and the regex CSV escaping, restated below. The rows straddle DST changes of a :45 zone
// (Pacific/Chatham, 14:00Z) and a :30 one (Australia/Lord_Howe, 15:00Z), with user text that
// needs CSV-injection escaping and quoting, and more rows than one page.

const START = Date.parse("2026-04-04T11:00:00Z");
const END = Date.parse("2026-04-04T17:00:00Z");
const NASTY = ["gpt-4o", "=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "a,b", 'say "hi"', "line\nbreak", "é"];

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let s = "";
  for await (const c of chunks) s += c;
  return s;
}

// The formatting before the fast path, restated (not imported) so the comparison is independent.
function previousPlain(kind: CellKind, v: unknown, tz: string): string | number | null {
  if (v === null || v === undefined) return null;
  if (kind === "text") return String(v);
  if (kind === "int") return Number(v);
  if (kind === "micros") return (v as bigint).toString();
  if (kind === "usd") return microsToDecimalString(v as bigint);
  return isoInTimeZone(v as Date, tz);
}
function previousText(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
function previousOutput(format: ExportFormat, rows: (UsageEventRow & { workspace: string; project: string; member: string; key: string })[], tz: string): string {
  const cols = RAW_COLUMNS as unknown as { name: string; kind: CellKind; get: (r: unknown) => unknown }[];
  if (format === "csv") {
    const line = (r: unknown) => cols.map((c) => ((p) => (p === null ? "" : c.kind === "text" ? previousText(String(p)) : String(p)))(previousPlain(c.kind, c.get(r), tz))).join(",") + "\r\n";
    return cols.map((c) => c.name).join(",") + "\r\n" + rows.map(line).join("");
  }
  const objects = rows.map((r) => JSON.stringify(Object.fromEntries(cols.map((c) => [c.name, previousPlain(c.kind, c.get(r), tz)]))));
  return format === "json" ? (objects.length ? `[\n${objects.join(",\n")}\n]\n` : "[]\n") : objects.map((o) => o + "\n").join("");
}

/** The usage module's object rows of the range, oldest first, with the labels beside the ids. */
async function labelledRows(scope: { orgId: string; timeZone: string }, range: { from: string; to: string }, labels: Awaited<ReturnType<typeof loadLabels>>) {
  const rows: Parameters<typeof previousOutput>[1] = [];
  for await (const page of streamEvents(scope, { range, order: "asc" })) {
    for (const e of page) {
      rows.push({ ...e, workspace: labels.label("workspace", e.workspaceId), project: labels.label("projectTag", e.projectTagId), member: labels.label("member", e.memberId), key: labels.label("key", e.providerKeyId) });
    }
  }
  return rows;
}

type Org = Awaited<ReturnType<typeof createOrg>>;
let o: Org;

beforeAll(async () => {
  o = await createOrg();
  await prisma.workspace.update({ where: { id: o.workspace.id }, data: { name: "=cmd|' /C calc'!A0" } });
  const events: NormalizedEvent[] = fc
    .sample(
      fc.record({
        at: fc.integer({ min: START, max: END - 1 }),
        model: fc.constantFrom(...NASTY),
        error: fc.option(fc.constantFrom(...NASTY)),
        cost: fc.bigInt({ min: 0n, max: 10n ** 13n }),
        latency: fc.option(fc.integer({ min: 0, max: 600_000 })),
        status: fc.constantFrom(200, 200, 429, 500, 302),
      }),
      { numRuns: 1_300, seed: 8 },
    )
    .map((r, i) =>
      normalizedEvent(o.org.id, o.workspace.id, {
        externalId: `raw-${i}`,
        provider: i % 2 ? "openai" : "openrouter",
        model: r.model,
        projectTagId: o.defaultTag.id,
        memberId: i % 3 ? o.owner.id : null,
        endUser: i % 5 ? null : "-user",
        apiKeyRef: i % 7 ? null : "@ref",
        service: "svc",
        // every 10th event shares the millisecond of the one before it (ties are ordered by id)
        occurredAt: new Date(i % 10 === 9 ? START + (i - 1) * 16_000 : r.at),
        inputTokens: i,
        outputTokens: 2 * i,
        costMicros: r.cost,
        latencyMs: r.latency,
        status: r.status,
        errorType: r.error ? "upstream" : null,
        errorMessage: r.error,
        generationId: i % 4 ? null : `gen-${i}`,
      }),
    );
  await writeUsageEvents(events);
}, 60_000);

describe("raw export, fast path", () => {
  it.each([
    ["Pacific/Chatham", "csv"],
    ["Pacific/Chatham", "json"],
    ["Australia/Lord_Howe", "ndjson"],
    ["Australia/Lord_Howe", "csv"],
    ["Asia/Kathmandu", "csv"],
  ] as const)("writes what the previous path wrote, across a DST change in a :30/:45 zone (%s, %s)", async (tz, format) => {
    const scope = { orgId: o.org.id, timeZone: tz };
    const q = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };
    const labels = await loadLabels(o.org.id);
    const previous = await labelledRows(scope, q, labels);
    expect(previous.length).toBe(1_300);
    const now = await text(rawExportChunks(scope, q, labels, format));
    expect(now).toBe(previousOutput(format, previous, tz));
    if (format === "csv") {
      expect(now).toContain(`,'=cmd|' /C calc'!A0,`);
      expect(now).toContain(`,"'=HYPERLINK(""http://evil"")",`);
      expect(now).toContain(`,'@ref,`);
    }
  });

  it("the export job stores the same bytes (a CSV across Chatham's DST change)", async () => {
    await prisma.org.update({ where: { id: o.org.id }, data: { timeZone: "Pacific/Chatham" } });
    const q = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };
    const row = await prisma.export.create({
      data: { orgId: o.org.id, shape: "raw", format: "csv", query: q, createdById: o.owner.id, expiresAt: new Date(Date.now() + 86_400_000) },
    });
    expect(await runExport(row.id)).toEqual({ status: "done", rows: 1_300 });
    const chunks = await prisma.exportChunk.findMany({ where: { exportId: row.id }, orderBy: { seq: "asc" } });
    const stored = Buffer.concat(chunks.map((c) => Buffer.from(c.data))).toString("utf8");
    const labels = await loadLabels(o.org.id);
    expect(stored).toBe(await text(rawExportChunks({ orgId: o.org.id, timeZone: "Pacific/Chatham" }, q, labels, "csv")));
    expect(stored).toContain("+13:45,");
    expect(stored).toContain("+12:45,");
  });

  it("pages of any size give the same events in the same order as readEvents, ties included", async () => {
    const scope = { orgId: o.org.id, timeZone: "UTC" };
    const range = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };
    const expected: string[] = [];
    for await (const page of streamEvents(scope, { range, order: "asc" }, 500)) expected.push(...page.map((e) => e.id));
    for (const size of [1, 7, 1_000, 5_000]) {
      const got: string[] = [];
      for await (const page of streamEventRecords(scope, { range }, size)) got.push(...page.map((e) => e.id));
      expect(got).toEqual(expected);
    }
  });

  // The CSV lines are written by PostgreSQL (usage/server/event-csv.ts). Every user-controlled
  // cell, every label and the event id (JSON of the external id, base64url) must come out as the
  // JavaScript encoder writes them, whatever the text: quotes, commas, CR/LF, formula starts,
  // backslashes, control characters, non-ASCII and astral characters, the "none" id "-".
  it("PostgreSQL writes the same CSV bytes as the encoder for hostile text, labels and external ids", async () => {
    const h = await createOrg();
    const tz = "America/St_Johns"; // -03:30 / -02:30
    const hostile = fc.string({ unit: fc.constantFrom("a", "Z", "=", "+", "-", "@", "\t", "\r", "\n", ",", '"', "'", "\\", "\u0001", "\u001f", "\u007f", "é", "€", "😀", " ", "/"), maxLength: 12 });
    const other = await addMember(h.org.id, "member", `a,"b"@x.test`);
    await prisma.workspace.update({ where: { id: h.workspace.id }, data: { name: `-ws "one", two` } });
    await prisma.projectTag.update({ where: { id: h.defaultTag.id }, data: { slug: "@proj\nline" } });
    const keyA = await prisma.providerKey.create({ data: { orgId: h.org.id, provider: "openrouter", providerKeyId: "hash-a", label: '+key "a"' } });
    const keyB = await prisma.providerKey.create({ data: { orgId: h.org.id, provider: "openrouter", providerKeyId: "hash-b", label: "" } });
    const at0 = Date.parse("2026-11-01T02:00:00Z"); // St. John's leaves DST at 2026-11-01 03:30Z
    const events = fc
      .sample(
        fc.record({
          externalId: hostile.filter((x) => x.length > 0),
          model: hostile,
          text: fc.array(fc.option(hostile), { minLength: 7, maxLength: 7 }),
          dt: fc.integer({ min: 0, max: 3 * 3_600_000 }),
          // up to ingest's per-event bound: events above it cannot exist, and their sums would
          // overflow the rollups other tests build from this shared database
          cost: fc.bigInt({ min: 0n, max: MAX_EVENT_COST_MICROS }),
          who: fc.integer({ min: 0, max: 4 }),
        }),
        { numRuns: 600, seed: 42 },
      )
      .map((r, i) =>
        normalizedEvent(h.org.id, h.workspace.id, {
          externalId: `${r.externalId}#${i}`,
          model: r.model,
          endUser: r.text[0],
          apiKeyRef: r.text[1],
          service: r.text[2],
          language: r.text[3],
          errorType: r.text[4],
          errorMessage: r.text[5],
          generationId: r.text[6],
          projectTagId: [h.defaultTag.id, null, "-", "unknown-tag", h.defaultTag.id][r.who]!,
          memberId: [h.owner.id, other.user.id, null, "-", "ghost"][r.who]!,
          providerKeyId: [keyA.id, keyB.id, null, "-", "stale-key"][r.who]!,
          occurredAt: new Date(at0 + r.dt),
          costMicros: r.cost,
          latencyMs: r.who === 2 ? null : r.dt % 600_000,
          status: [200, 404, 503, 302, 200][r.who]!,
        }),
      );
    await writeUsageEvents(events);
    const scope = { orgId: h.org.id, timeZone: tz };
    const q = { from: new Date(at0).toISOString(), to: new Date(at0 + 4 * 3_600_000).toISOString() };
    const labels = await loadLabels(h.org.id);
    const previous = await labelledRows(scope, q, labels);
    expect(previous.length).toBe(600);
    const csv = await text(rawExportChunks(scope, q, labels, "csv"));
    expect(csv).toBe(previousOutput("csv", previous, tz));
    expect(csv).toContain(`,"'-ws ""one"", two",`);
    expect(csv).toContain(`,"a,""b""@x.test",`);
    expect(csv).toContain("-02:30,");
    expect(csv).toContain("-03:30,");
  });
});
