/**
 * The fuzz suites' shared results file (FAULTS_RESULTS, summed into the JSON line by
 * scripts/test-faults.sh): each suite merges its surfaces in, so the order the files run in
 * does not matter, and `total` is recomputed over every surface written so far.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export type FuzzSurface = { cases: number; statuses: Record<string, number>; writesSeen: number; status5xx: number; partialWrites: number; unnamed: number; leaks: number; examples: string[] };
type FuzzFile = { seed: number; casesPerKind: number; total: { cases: number; status5xx: number; partialWrites: number; unnamed: number; leaks: number }; surfaces: Record<string, FuzzSurface> };

export function mergeFuzzResults(path: string, seed: number, casesPerKind: number, surfaces: Record<string, FuzzSurface>) {
  mkdirSync(dirname(path), { recursive: true });
  const prev = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as FuzzFile) : null;
  const all = { ...(prev?.surfaces ?? {}), ...surfaces };
  const total = Object.values(all).reduce(
    (t, s) => ({ cases: t.cases + s.cases, status5xx: t.status5xx + s.status5xx, partialWrites: t.partialWrites + s.partialWrites, unnamed: t.unnamed + s.unnamed, leaks: t.leaks + s.leaks }),
    { cases: 0, status5xx: 0, partialWrites: 0, unnamed: 0, leaks: 0 },
  );
  writeFileSync(path, JSON.stringify({ seed, casesPerKind, total, surfaces: all } satisfies FuzzFile, null, 2));
}
