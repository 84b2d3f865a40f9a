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

/** A user-controlled text cell made safe for spreadsheets, then quoted per RFC 4180. */
export function csvText(value: string): string {
  // =, +, -, @, tab, CR: the cell would start a formula (the OWASP list)
  const c = value.charCodeAt(0);
  const safe = c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
const NEEDS_QUOTES = /[",\r\n]/;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

function offsetSuffix(off: number): string {
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off) / 60_000;
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `at` as ISO 8601 in `tz`, with that zone's offset at that instant. */
export function isoInTimeZone(at: Date, tz: string): string {
  const t = at.getTime();
  const off = offsetMs(tz, t);
  const local = new Date(t + off);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}` +
    offsetSuffix(off)
  );
}

const HOUR_MS = 3_600_000;
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: toISOString's plain four-digit years
const ISO_MIN = -62_167_219_200_000;
const ISO_MAX = 253_402_300_799_999;

/**
 * `isoInTimeZone` for many instants: the same strings, without asking Intl for every one.
 * The zone's offset is looked up at both ends of the UTC hour an instant falls in; when they
 * agree it holds for the whole hour (no zone changes its offset twice within an hour), so one
 * hour of rows costs two Intl calls; an hour with a change in it (DST) asks per instant.
 */
export function isoFormatter(tz: string): (t: number) => string {
  let slot = NaN;
  let slotOff: number | null = null;
  let suffixOff = NaN;
  let suffix = "";
  return (t) => {
    const s = Math.floor(t / HOUR_MS);
    if (s !== slot) {
      slot = s;
      const a = offsetMs(tz, s * HOUR_MS);
      slotOff = a === offsetMs(tz, s * HOUR_MS + HOUR_MS - 1) ? a : null;
    }
    const off = slotOff ?? offsetMs(tz, t);
    const local = t + off;
    if (local < ISO_MIN || local > ISO_MAX) return isoInTimeZone(new Date(t), tz);
    if (off !== suffixOff) {
      suffixOff = off;
      suffix = offsetSuffix(off);
    }
    return new Date(local).toISOString().slice(0, 23) + suffix;
  };
}

const formatters = new Map<string, (t: number) => string>();
function formatterFor(tz: string): (t: number) => string {
  let f = formatters.get(tz);
  if (!f) formatters.set(tz, (f = isoFormatter(tz)));
  return f;
}

function toBigInt(v: unknown): bigint {
  return typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v ?? 0)));
}

// Integer micro-USD as text (raw rows carry the database's digits). Up to 15 digits a double
// holds it exactly and the arithmetic is cheaper than BigInt's; longer ones go through BigInt.
const SAFE_DIGITS = /^(0|-?[1-9]\d{0,14})$/;
const DIGITS = /^-?\d+$/;

function microsOf(v: unknown): bigint {
  return typeof v === "string" && DIGITS.test(v) ? BigInt(v) : toBigInt(v);
}

function usd(v: unknown): string {
  if (typeof v === "string" && SAFE_DIGITS.test(v)) {
    const n = Number(v);
    const abs = Math.abs(n);
    return `${n < 0 ? "-" : ""}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
  }
  return microsToDecimalString(microsOf(v));
}

function micros(v: unknown): string {
  return typeof v === "string" && SAFE_DIGITS.test(v) ? v : microsOf(v).toString();
}

/** A cell's value before CSV/JSON encoding. `time` takes a Date or epoch ms (or an ISO string). */
function plain(kind: CellKind, v: unknown, iso: (t: number) => string): string | number | null {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case "text":
      return String(v);
    case "int":
      return typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : Number(v);
    case "micros":
      return micros(v);
    case "usd":
      return usd(v);
    case "time":
      return iso(typeof v === "number" ? v : v instanceof Date ? v.getTime() : new Date(String(v)).getTime());
  }
}

function csvCell(kind: CellKind, v: unknown, iso: (t: number) => string): string {
  if (kind === "text") return v === null || v === undefined ? "" : csvText(typeof v === "string" ? v : String(v));
  const p = plain(kind, v, iso);
  return p === null ? "" : String(p);
}

export function csvHeader<R>(columns: Column<R>[]): string {
  return columns.map((c) => csvText(c.name)).join(",") + "\r\n";
}

// One flat string per row (join), rather than a rope of two pieces per cell: fewer short-lived
// objects when millions of rows go through (the garbage collector was the export's top cost).
function csvLine<R>(columns: Column<R>[], row: R, iso: (t: number) => string, cells: string[]): string {
  const last = columns.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = columns[i]!;
    cells[i] = i === last ? csvCell(c.kind, c.get(row), iso) + "\r\n" : csvCell(c.kind, c.get(row), iso);
  }
  return cells.join(",");
}

export function csvRow<R>(columns: Column<R>[], row: R, tz: string): string {
  return csvLine(columns, row, formatterFor(tz), new Array<string>(columns.length));
}

function objectOf<R>(columns: Column<R>[], row: R, iso: (t: number) => string): Record<string, string | number | null> {
  const o: Record<string, string | number | null> = {};
  for (const c of columns) o[c.name] = plain(c.kind, c.get(row), iso);
  return o;
}

export function jsonObject<R>(columns: Column<R>[], row: R, tz: string): Record<string, string | number | null> {
  return objectOf(columns, row, formatterFor(tz));
}

/** Text chunks are cut at about this many characters (exports stream them one by one). */
export const CHUNK_CHARS = 64 * 1024;

/**
 * Pages of rows → text chunks in `format`: the same bytes as `encodeRows` over the rows in
 * order, with one await per page instead of per row (raw exports stream millions of rows).
 * `onPage` is called after every page with the rows written so far and the page's last row.
 */
export async function* encodePages<R>(
  format: ExportFormat,
  columns: Column<R>[],
  pages: AsyncIterable<R[]> | Iterable<R[]>,
  tz: string,
  onPage?: (n: number, last: R) => void,
): AsyncGenerator<string> {
  const iso = isoFormatter(tz);
  const cells = new Array<string>(columns.length);
  let buf = format === "csv" ? csvHeader(columns) : format === "json" ? "[" : "";
  let n = 0;
  for await (const page of pages) {
    for (const row of page) {
      if (format === "csv") buf += csvLine(columns, row, iso, cells);
      else {
        const line = JSON.stringify(objectOf(columns, row, iso));
        buf += format === "json" ? (n === 0 ? "\n" : ",\n") + line : line + "\n";
      }
      n++;
      if (buf.length >= CHUNK_CHARS) {
        yield buf;
        buf = "";
      }
    }
    if (page.length) onPage?.(n, page[page.length - 1]!);
  }
  if (format === "json") buf += n === 0 ? "]\n" : "\n]\n";
  if (buf) yield buf;
}

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
  yield* encodePages(format, columns, single(rows), tz, onRow && ((n) => onRow(n)));
}

async function* single<R>(rows: AsyncIterable<R> | Iterable<R>): AsyncGenerator<R[]> {
  for await (const row of rows) yield [row];
}

/** A whole (small) result as one string, e.g. a scheduled report's CSV attachment. */
export async function encodeToString<R>(format: ExportFormat, columns: Column<R>[], rows: Iterable<R> | AsyncIterable<R>, tz: string): Promise<string> {
  let out = "";
  for await (const chunk of encodeRows(format, columns, rows, tz)) out += chunk;
  return out;
}
