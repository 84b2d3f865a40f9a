import { describe, expect, it } from "vitest";
import { pool } from "@/server/db";
import { TIME_ZONES } from "./schemas";

/**
 * Local time is worked out in two places: PostgreSQL (report buckets, the raw CSV export's
 * offsets, `AT TIME ZONE`) with its tzdata, and Node (period bounds, JSON exports, pages) with
 * ICU's. They must agree for every zone an org can choose, or a CSV and a JSON export of the same
 * events would disagree. A distro tzdata older than Node's (or the reverse) for a zone whose rules
 * changed shows up here, not in a customer's export.
 */
describe("time zones", () => {
  it("PostgreSQL and Node agree on the local time of every zone an org can choose, weekly over this year and the next", async () => {
    const { rows: known } = await pool.query<{ name: string }>(`SELECT name FROM pg_timezone_names`);
    const pgZones = new Set(known.map((r) => r.name));
    expect(TIME_ZONES.filter((z) => !pgZones.has(z))).toEqual([]);

    const year = new Date().getUTCFullYear();
    const instants: string[] = [];
    // Weekly at a shifting time of day, so instants land on every weekday and hour over two years.
    for (let t = Date.UTC(year, 0, 1), i = 0; t < Date.UTC(year + 2, 0, 1); t += 7 * 86_400_000 + 3_700_000, i++) instants.push(new Date(t).toISOString());
    const mismatches: string[] = [];
    for (const zone of TIME_ZONES) {
      const { rows } = await pool.query<{ local: string }>(`SELECT to_char(t AT TIME ZONE $1, 'YYYY-MM-DD HH24:MI') AS local FROM unnest($2::timestamptz[]) AS t`, [zone, instants]);
      const format = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      rows.forEach((row, i) => {
        const p = Object.fromEntries(format.formatToParts(new Date(instants[i]!)).map((x) => [x.type, x.value]));
        const node = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
        if (node !== row.local && mismatches.length < 20) mismatches.push(`${zone} at ${instants[i]}: Node ${node}, PostgreSQL ${row.local}`);
      });
    }
    expect(mismatches).toEqual([]);
    expect(TIME_ZONES.length).toBeGreaterThan(300);
  });
});
