/**
 * The raw CSV export of bench:reports, in a process of its own so that its peak RSS is the
 * export's: the export job's path (rawRows → encodeRows with RAW_COLUMNS) streamed to
 * /dev/null. Env: DATABASE_URL, BENCH_ORG, BENCH_FROM, BENCH_TO, BENCH_EXPORT (rows).
 * Prints one JSON line: {rows, seconds, peak_rss_mb}.
 */
import { createWriteStream } from "node:fs";

async function main() {
  const { pool } = await import("../src/server/db");
  const { rawRows } = await import("../src/features/exports/server/rows");
  const { loadLabels } = await import("../src/features/exports/server/labels");
  const { encodeRows } = await import("../src/features/exports/format");
  const { RAW_COLUMNS } = await import("../src/features/exports/columns");
  const { prisma } = await import("../src/server/db");
  const limit = Number(process.env.BENCH_EXPORT ?? 1_000_000);
  const scope = { orgId: process.env.BENCH_ORG!, timeZone: "UTC" };
  const out = createWriteStream("/dev/null");
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())));
  let exported = 0;
  const t0 = performance.now();
  const labels = await loadLabels(scope.orgId);
  const rows = rawRows(scope, { from: process.env.BENCH_FROM!, to: process.env.BENCH_TO! }, labels);
  const limited = async function* () {
    for await (const r of rows) {
      yield r;
      if (++exported >= limit) return;
    }
  };
  for await (const chunk of encodeRows("csv", RAW_COLUMNS, limited(), scope.timeZone)) await write(chunk);
  await new Promise<void>((r) => out.end(() => r()));
  const seconds = (performance.now() - t0) / 1000;
  await pool.end();
  await prisma.$disconnect();
  console.log(JSON.stringify({ rows: exported, seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
