import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { microsToDecimalString } from "@/lib/money";
import { encodePages, encodeToString, isoFormatter, isoInTimeZone, type Column, type ExportFormat } from "./format";

// The raw export's fast path (encodePages, the per-hour offset cache, costs as digits) must write
// exactly what the per-row path wrote before it.

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"];
// DST changes in :30/:45 zones and their neighbours (UTC instants)
const CHANGES = [
  "2026-04-04T14:00:00Z", // Pacific/Chatham +13:45 → +12:45
  "2026-04-04T15:00:00Z", // Australia/Lord_Howe +11:00 → +10:30
  "2026-10-03T15:30:00Z", // Australia/Lord_Howe +10:30 → +11:00
  "2026-09-26T14:00:00Z", // Pacific/Chatham +12:45 → +13:45
  "2026-03-08T05:30:00Z", // America/St_Johns -03:30 → -02:30
  "2026-03-29T01:00:00Z", // Europe/Berlin
].map((s) => new Date(s).getTime());

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let s = "";
  for await (const c of chunks) s += c;
  return s;
}

describe("isoFormatter (one Intl look-up per hour)", () => {
  it("writes what isoInTimeZone writes, instant by instant across DST changes in :30/:45 zones", () => {
    for (const tz of ZONES) {
      const iso = isoFormatter(tz);
      for (const change of CHANGES) {
        // every 7 s 13 ms for three hours around the change, in time order as an export reads them
        for (let t = change - 90 * 60_000; t < change + 90 * 60_000; t += 7_013) expect(iso(t)).toBe(isoInTimeZone(new Date(t), tz));
      }
    }
  });

  it("agrees with isoInTimeZone for random instants in any order (the cache is per hour, not per call)", () => {
    const fmts = new Map(ZONES.map((z) => [z, isoFormatter(z)]));
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...ZONES), (t, tz) => {
        expect(fmts.get(tz)!(t)).toBe(isoInTimeZone(new Date(t), tz));
      }),
      { numRuns: 2000 },
    );
  });
});

type Row = { at: number | Date; model: string; cost: bigint | string; n: number | string | null };
const columns: Column<Row>[] = [
  { name: "occurred_at", kind: "time", get: (r) => r.at },
  { name: "model", kind: "text", get: (r) => r.model },
  { name: "requests", kind: "int", get: (r) => r.n },
  { name: "cost_usd", kind: "usd", get: (r) => r.cost },
  { name: "cost_micros", kind: "micros", get: (r) => r.cost },
];

describe("encodePages", () => {
  it("writes the bytes encodeRows writes for the same rows, whatever the page cut, with costs as digits and times as epoch ms", async () => {
    const row = fc.record({
      at: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
      model: fc.string({ unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", '"', ",", "a", "é") }),
      cost: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
      n: fc.option(fc.integer({ min: 0, max: 1e9 })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom<ExportFormat>("csv", "json", "ndjson"), fc.constantFrom(...ZONES), async (rows, cut, format, tz) => {
        // before: Dates and bigints, one row at a time
        const before = await encodeToString(format, columns, rows.map((r) => ({ ...r, at: new Date(r.at) })), tz);
        // now: epoch ms, the database's digits and numbers as text, in pages
        const lean = rows.map((r) => ({ ...r, cost: r.cost.toString(), n: r.n === null ? null : String(r.n) }));
        const pages: Row[][] = [];
        for (let i = 0; i < lean.length; i += cut) pages.push(lean.slice(i, i + cut));
        expect(await text(encodePages(format, columns, pages, tz))).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it("writes USD from digits exactly as from a bigint, and escapes formula cells in the paged path", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: -2_000_000n, max: 2_000_000n })), async (micros) => {
        const cells = await parseLine([{ at: 0, model: "m", n: 1, cost: micros.toString() }]);
        expect(cells[3]).toBe(microsToDecimalString(micros));
        expect(cells[4]).toBe(micros.toString());
      }),
    );
    const cells = await parseLine([{ at: 0, model: "=SUM(A1)", n: 1, cost: "1" }]);
    expect(cells[1]).toBe("'=SUM(A1)");
  });
});

async function parseLine(rows: Row[]): Promise<string[]> {
  const csv = await text(encodePages("csv", columns, [rows], "UTC"));
  return csv.split("\r\n")[1]!.split(",");
}
