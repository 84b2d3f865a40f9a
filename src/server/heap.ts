import { setFlagsFromString } from "node:v8";

/**
 * The worker and web processes favour a flat memory profile over the last few percent of
 * throughput: V8's old generation may grow to 1.25× what survived the last full collection (by
 * default it may grow up to 4× while collection is cheap). Their live heaps are small (tens of
 * MB) and their big work streams (raw exports and report runs in the workers, ingest batches in
 * the web process): most of what they promote is garbage by the next full collection.
 * Measured: a 1M-row raw export (bench/reports-export.ts, five runs each) peaks at 335–355 MB by
 * default, 247–250 MB at 1.5×, 207–242 MB at 1.25×, rows/s within the noise; under
 * bench:ingest the web process peaks at 284–318 MB instead of 565 MB, for about 2–3 µs more
 * web CPU per event. V8 reads the flag at every heap-limit update, so setting it at start-up
 * (workers/main.ts, src/instrumentation.ts) takes effect, as those benchmarks show.
 */
export function favourFlatHeap(): void {
  setFlagsFromString("--heap-growing-percent=25");
}
