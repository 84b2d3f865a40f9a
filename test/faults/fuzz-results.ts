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

/** A stack frame or a path into the code: never in an answer. */
const STACK = /\n\s+at\s|\bat [\w$.<>]+ \([^)]*:\d+:\d+\)|node_modules\/|\.tsx?:\d+:\d+/;

/** Whether a 4xx says what is wrong: auth, scope, not found and rate answers need no field; others name one. */
export function namesWhatIsWrong(status: number, contentType: string, body: Buffer): boolean {
  if (status === 401 || status === 403 || status === 404 || status === 429) return true;
  if (contentType.includes("protobuf")) return body.length > 2; // google.rpc.Status with its message
  try {
    const j = JSON.parse(body.toString("utf8")) as { error?: { message?: string; issues?: { path: string }[] }; message?: string };
    if (j.error?.issues?.length) return j.error.issues.every((i) => typeof i.path === "string");
    const msg = j.error?.message ?? j.message ?? "";
    return msg.length > 0 && !/^(Invalid request|Internal error|Bad request)$/i.test(msg);
  } catch {
    return false;
  }
}

/**
 * Counts one fuzz case into its surface: its status, a 5xx, a leaked stack or secret, a write
 * seen on acceptance (proof the snapshot would see a partial write too), a partial write on
 * rejection, and a rejection that names nothing. `before`/`after` are the snapshots of what a
 * rejected request must leave untouched; `after` is read only when the status needs it.
 */
export async function judgeCase(
  s: FuzzSurface,
  c: { res: Response; body: Buffer; before: string; after: () => Promise<string>; secrets: string[]; describe: string },
) {
  const { res, body } = c;
  const text = body.toString("latin1");
  s.cases += 1;
  s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1;
  const note = (kind: string) => {
    if (s.examples.length < 5) s.examples.push(`${kind} ${res.status} ${c.describe} → ${text.slice(0, 200)}`);
  };
  if (res.status >= 500) {
    s.status5xx += 1;
    note("5xx");
  }
  if (STACK.test(text) || c.secrets.some((x) => text.includes(x))) {
    s.leaks += 1;
    note("leak");
  }
  if (res.status >= 400 && res.status < 500 && !namesWhatIsWrong(res.status, res.headers.get("content-type") ?? "", body)) {
    s.unnamed += 1;
    note("unnamed");
  }
  if (res.status < 300 || res.status >= 400) {
    const changed = (await c.after()) !== c.before;
    if (changed && res.status < 300) s.writesSeen += 1;
    if (changed && res.status >= 400) {
      s.partialWrites += 1;
      note("partial-write");
    }
  }
}

export const newSurface = (): FuzzSurface => ({ cases: 0, statuses: {}, writesSeen: 0, status5xx: 0, partialWrites: 0, unnamed: 0, leaks: 0, examples: [] });
