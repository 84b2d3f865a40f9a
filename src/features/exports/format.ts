import { microsToDecimalString } from "@/lib/money";
import { offsetMs } from "@/lib/periods";

/**
 * Writers for exports and the report API: CSV, JSON and NDJSON from an async iterator of rows,
 * emitted in ~64 KiB string chunks so memory stays flat whatever the size. Pure (no I/O):
 * the caller decides where chunks go (an HTTP stream, export_chunks rows, an email attachment).
 *
 * Cell kinds decide formatting:
 * - `text`: user-controlled (model names, labels, metadata). In CSV a cell starting with
 *   `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` (the OWASP advice), so spreadsheets
 *   show it as text instead of running it as a formula; then RFC 4180 quoting.
 * - `int`: a count (number or bigint) written as plain digits.
 * - `micros`: integer micro-USD as digits (a JSON string, since sums may pass 2^53).
 * - `usd`: the same micro-USD as a 6-decimal USD string ("12.345678"), exact.
 * - `time`: an instant as ISO 8601 with the org time zone's offset ("2026-03-29T03:00:00.000+02:00").
 */
export type CellKind = "text" | "int" | "micros" | "usd" | "time";
export type Column<R> = { name: string; kind: CellKind; get: (row: R) => string | number | bigint | Date | null | undefined };
export type ExportFormat = "csv" | "json" | "ndjson";

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  ndjson: "application/x-ndjson",
};

const FORMULA_START = /^[=+\-@\t\r]/;

/** A user-controlled text cell made safe for spreadsheets, then quoted per RFC 4180. */
export function csvText(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** `at` as ISO 8601 in `tz`, with that zone's offset at that instant. */
export function isoInTimeZone(at: Date, tz: string): string {
  const t = at.getTime();
  const off = offsetMs(tz, t);
  const local = new Date(t + off);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off) / 60_000;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

function toBigInt(v: unknown): bigint {
  return typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v ?? 0)));
}

function plain(kind: CellKind, v: unknown, tz: string): string | number | null {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case "text":
      return String(v);
    case "int":
      return typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : Number(v);
    case "micros":
      return toBigInt(v).toString();
    case "usd":
      return microsToDecimalString(toBigInt(v));
    case "time":
      return isoInTimeZone(v instanceof Date ? v : new Date(String(v)), tz);
  }
}

function csvCell(kind: CellKind, v: unknown, tz: string): string {
  const p = plain(kind, v, tz);
  if (p === null) return "";
  return kind === "text" ? csvText(String(p)) : String(p);
}

export function csvHeader<R>(columns: Column<R>[]): string {
  return columns.map((c) => csvText(c.name)).join(",") + "\r\n";
}

export function csvRow<R>(columns: Column<R>[], row: R, tz: string): string {
  return columns.map((c) => csvCell(c.kind, c.get(row), tz)).join(",") + "\r\n";
}

export function jsonObject<R>(columns: Column<R>[], row: R, tz: string): Record<string, string | number | null> {
  const o: Record<string, string | number | null> = {};
  for (const c of columns) o[c.name] = plain(c.kind, c.get(row), tz);
  return o;
}

const CHUNK_CHARS = 64 * 1024;

/**
 * Rows → text chunks in `format`. JSON is one array (`[` … `]`), written incrementally.
 * `onRow` is called after every row (progress reporting).
 */
export async function* encodeRows<R>(
  format: ExportFormat,
  columns: Column<R>[],
  rows: AsyncIterable<R> | Iterable<R>,
  tz: string,
  onRow?: (n: number) => void,
): AsyncGenerator<string> {
  let buf = format === "csv" ? csvHeader(columns) : format === "json" ? "[" : "";
  let n = 0;
  for await (const row of rows) {
    if (format === "csv") buf += csvRow(columns, row, tz);
    else {
      const line = JSON.stringify(jsonObject(columns, row, tz));
      buf += format === "json" ? (n === 0 ? "\n" : ",\n") + line : line + "\n";
    }
    n++;
    onRow?.(n);
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = "";
    }
  }
  if (format === "json") buf += n === 0 ? "]\n" : "\n]\n";
  if (buf) yield buf;
}

/** A whole (small) result as one string, e.g. a scheduled report's CSV attachment. */
export async function encodeToString<R>(format: ExportFormat, columns: Column<R>[], rows: Iterable<R> | AsyncIterable<R>, tz: string): Promise<string> {
  let out = "";
  for await (const chunk of encodeRows(format, columns, rows, tz)) out += chunk;
  return out;
}
