/**
 * The raw CSV export of bench:reports, in a process of its own so that its peak RSS is the
 * export's: the export job's own path (rawExportChunks: the usage module's record stream →
 * labels → encodePages with RAW_COLUMNS in the org's time zone) streamed to /dev/null.
 * Env: DATABASE_URL, BENCH_ORG, BENCH_FROM, BENCH_TO, BENCH_EXPORT (rows), BENCH_TZ (the org's
 * time zone, default Europe/Berlin: a zone with DST, so offsets are really looked up).
 * The process is tuned as the worker process is (favourFlatHeap), since the export job runs there.
 * Prints one JSON line: {rows, seconds, peak_rss_mb}.
 */
import { createWriteStream } from "node:fs";

async function main() {
  const { favourFlatHeap } = await import("../src/server/heap");
  favourFlatHeap();
  const { pool, prisma } = await import("../src/server/db");
  const { rawExportChunks } = await import("../src/features/exports/server/rows");
  const { loadLabels } = await import("../src/features/exports/server/labels");
  const limit = Number(process.env.BENCH_EXPORT ?? 1_000_000);
  const scope = { orgId: process.env.BENCH_ORG!, timeZone: process.env.BENCH_TZ ?? "Europe/Berlin" };
  const out = createWriteStream("/dev/null");
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())));
  let exported = 0;
  const t0 = performance.now();
  const labels = await loadLabels(scope.orgId);
  const chunks = rawExportChunks(scope, { from: process.env.BENCH_FROM!, to: process.env.BENCH_TO! }, labels, "csv", (n) => (exported = n));
  // stops after the page that reaches the limit: `rows` counts every row encoded
  for await (const chunk of chunks) {
    await write(chunk);
    if (exported >= limit) break;
  }
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
