import { setFlagsFromString } from "node:v8";

/**
 * The worker process favours a flat memory profile over the last percent of throughput: V8's old
 * generation may grow to 1.25× what survived the last full collection (its default lets it grow
 * up to 4× while collection is cheap). The workers' live heap is small (tens of MB) and their
 * big jobs (raw exports, report runs) stream: most of what they promote is garbage by the next
 * full collection, so a lower ceiling costs a few short collections and saves about 100 MB of
 * RSS during a 1-million-row export (bench/reports-export.ts, five runs each: peak 335–355 MB
 * by default, 247–250 MB at 1.5×, 207–242 MB at 1.25×; rows/s within the run-to-run noise). V8 reads the flag at every heap-limit update, so setting it at start-up
 * takes effect (checked by the same benchmark).
 */
export function tuneWorkerHeap(): void {
  setFlagsFromString("--heap-growing-percent=25");
}
