/**
 * The clock of budget evaluation (periods, alerts), the minute sweep, and ingest's time bounds
 * (future limit, retention, "late usage"). Production reads the machine's; a test moves it with
 * `setClock` (test/faults/clock.fault.ts walks it across day, week, month and DST boundaries).
 * An injectable clock rather than a patched `Date`: only these callers see the test's time.
 */
let source: () => number = Date.now;

export const nowMs = (): number => source();
export const now = (): Date => new Date(source());

/** Tests only: `null` restores the machine's clock. */
export function setClock(fn: (() => number) | null): void {
  source = fn ?? Date.now;
}
