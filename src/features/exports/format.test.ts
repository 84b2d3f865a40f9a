import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { csvText, encodeToString, isoInTimeZone, type Column } from "./format";
import { parseCsv } from "../../../test/helpers/csv";

type Row = { model: string; label: string; tokens: bigint; cost: bigint; at: Date };
const columns: Column<Row>[] = [
  { name: "occurred_at", kind: "time", get: (r) => r.at },
  { name: "model", kind: "text", get: (r) => r.model },
  { name: "label", kind: "text", get: (r) => r.label },
  { name: "input_tokens", kind: "int", get: (r) => r.tokens },
  { name: "cost_usd", kind: "usd", get: (r) => r.cost },
  { name: "cost_micros", kind: "micros", get: (r) => r.cost },
];

const DANGEROUS = ["=", "+", "-", "@", "\t", "\r"];
const cellText = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", '"', ",", "a", "1", " ", "é") }));

describe("CSV injection escaping", () => {
  it.each([
    ["=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\""],
    ["+1+1", "'+1+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", "\"'\rcmd\""],
    ["gpt-4o", "gpt-4o"],
    ["a,b", '"a,b"'],
  ])("escapes %j as %j", (input, expected) => {
    expect(csvText(input)).toBe(expected);
  });

  it("round-trips any text: the reader gets the value back, prefixed with ' exactly when it starts with a formula character", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ model: cellText, label: cellText }), { maxLength: 20 }), async (items) => {
        const rows = items.map((r) => ({ ...r, tokens: 5n, cost: 1_500_000n, at: new Date(0) }));
        const parsed = parseCsv(await encodeToString("csv", columns, rows, "UTC"));
        expect(parsed[0]).toEqual(columns.map((c) => c.name));
        expect(parsed.length).toBe(rows.length + 1);
        rows.forEach((r, i) => {
          const cells = parsed[i + 1]!;
          for (const [k, idx] of [["model", 1], ["label", 2]] as const) {
            const v = r[k];
            expect(cells[idx]).toBe(DANGEROUS.some((d) => v.startsWith(d)) ? `'${v}` : v);
            expect(DANGEROUS.some((d) => cells[idx]!.startsWith(d))).toBe(false);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe("finance formatting", () => {
  it("writes USD as an exact 6-decimal string beside the integer micro-USD", async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 10n ** 17n }), async (cost) => {
        const csv = parseCsv(await encodeToString("csv", columns, [{ model: "m", label: "l", tokens: 1n, cost, at: new Date(0) }], "UTC"));
        const [usd, micros] = [csv[1]![4]!, csv[1]![5]!];
        expect(usd).toMatch(/^\d+\.\d{6}$/);
        expect(BigInt(usd.replace(".", ""))).toBe(cost);
        expect(micros).toBe(cost.toString());
      }),
    );
  });

  it("writes ISO dates in the org time zone, across DST and half-hour zones", () => {
    expect(isoInTimeZone(new Date("2026-03-29T01:00:00Z"), "Europe/Berlin")).toBe("2026-03-29T03:00:00.000+02:00");
    expect(isoInTimeZone(new Date("2026-03-29T00:59:59.999Z"), "Europe/Berlin")).toBe("2026-03-29T01:59:59.999+01:00");
    expect(isoInTimeZone(new Date("2026-11-01T06:30:00Z"), "America/New_York")).toBe("2026-11-01T01:30:00.000-05:00");
    expect(isoInTimeZone(new Date("2026-07-01T00:00:00Z"), "Asia/Kolkata")).toBe("2026-07-01T05:30:00.000+05:30");
    expect(isoInTimeZone(new Date("2026-01-15T12:00:00Z"), "America/St_Johns")).toBe("2026-01-15T08:30:00.000-03:30");
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"];
    fc.assert(
      fc.property(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }), fc.constantFrom(...zones), (d, tz) => {
        const iso = isoInTimeZone(d, tz);
        expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
        expect(new Date(iso).getTime()).toBe(d.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it("writes JSON as one array and NDJSON as one object per line, with the same values", async () => {
    const rows = [{ model: "=1", label: "x", tokens: 3n, cost: 1n, at: new Date("2026-01-01T00:00:00Z") }];
    const json = JSON.parse(await encodeToString("json", columns, rows, "Europe/Berlin")) as unknown[];
    const nd = (await encodeToString("ndjson", columns, rows, "Europe/Berlin")).trim().split("\n").map((l) => JSON.parse(l) as unknown);
    const expected = { occurred_at: "2026-01-01T01:00:00.000+01:00", model: "=1", label: "x", input_tokens: 3, cost_usd: "0.000001", cost_micros: "1" };
    expect(json).toEqual([expected]);
    expect(nd).toEqual([expected]);
    expect(JSON.parse(await encodeToString("json", columns, [], "UTC"))).toEqual([]);
  });
});
