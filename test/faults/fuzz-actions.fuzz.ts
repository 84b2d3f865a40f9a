/**
 * Hostile input for the server actions, in-process (Next server actions over HTTP need the
 * build's action ids and its RSC encoding; the tenant-isolation test calls them the same way):
 * every exported action under src/app (built with tenantAction) is called as the owner of a
 * rich org with its own slug, and inputs from fast-check derived from the action's zod schema
 * (z.toJSONSchema): valid ones (ids drawn from the org's real rows, so the work is reached),
 * mutated-valid ones and arbitrary values. For every case:
 * - no unhandled error: the action never answers 500 (tenantAction turns a throw into 500);
 * - a rejection (ok: false) leaves the org unchanged: a digest of every org-scoped table's
 *   rows is compared before and after;
 * - a rejection says what was wrong: fieldErrors, or a message other than a generic one.
 * FUZZ_CASES per input kind for the whole surface, split over the actions (default 100).
 * Actions that would end the test's own access (removing or demoting the owner) get the
 * member's ids instead of the owner's.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { actAs, sessionMock } from "../helpers/session";
import { createRichOrg } from "../helpers/org-fixture";
import { mutate } from "./arbitraries";
import { mergeFuzzResults, type FuzzSurface } from "./fuzz-results";

vi.mock("@/server/next/session", () => sessionMock);
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

const { TENANT_ACTION } = await import("@/server/next/gate");
const { startMailCatcher } = await import("@/dev/mail-catcher");
const { prisma, pool } = await import("@/server/db");
const { closeQueues } = await import("@/server/jobs/queue");

const CASES = Number(process.env.FUZZ_CASES ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RESULTS = process.env.FAULTS_RESULTS ?? ".data/faults/fuzz.json";
const APP = join(__dirname, "..", "..", "src", "app");
const PUBLIC_ACTION_DIRS = ["(auth)/", "onboarding/"];

type Json = {
  type?: string | string[];
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Json[];
  oneOf?: Json[];
  allOf?: Json[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
};

type Org = Awaited<ReturnType<typeof createRichOrg>>;
let org: Org;
const surface: FuzzSurface = { cases: 0, statuses: {}, writesSeen: 0, status5xx: 0, partialWrites: 0, unnamed: 0, leaks: 0, examples: [] };
const perAction: Record<string, Record<string, number>> = {};

/** Ids of the org's real rows, by the field's name; any id field also gets random text sometimes. */
function idsFor(field: string): string[] {
  const f = field.toLowerCase().replace(/s$/, "");
  const i = org.ids;
  const m: Record<string, string[]> = {
    workspaceid: [i.workspace],
    projecttagid: [i.tag, i.defaultTag],
    tagid: [i.tag, i.defaultTag],
    connectionid: [i.connection],
    keyid: [i.key],
    providerkeyid: [i.key],
    tokenid: [i.token, i.apiToken],
    invitationid: [i.invitation],
    memberid: [i.member],
    userid: [i.member],
    membershipid: [i.membership],
    budgetid: [i.budget],
    alertid: [i.alert],
    scheduleid: [i.schedule],
    exportid: [i.export],
    runid: [i.run],
    id: Object.entries(i)
      .filter(([k]) => k !== "owner" && k !== "org")
      .map(([, v]) => v),
  };
  return m[f] ?? (f.endsWith("id") ? [i.workspace, i.tag, i.budget] : []);
}

/** A fast-check arbitrary for (mostly) valid values of a JSON schema. */
function arb(s: Json, name: string): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return fc.oneof(...alt.map((a) => arb(a, name)));
  if (s.allOf?.length) return fc.tuple(...s.allOf.map((a) => arb(a, name))).map((parts) => Object.assign({}, ...parts.filter((p) => p && typeof p === "object")));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const props = s.properties ?? {};
      const shape = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arb(v, k)]));
      return fc.record(shape, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    case "array":
      return fc.array(arb(s.items ?? {}, name), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 4, 4)) });
    case "integer":
    case "number": {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Math.max(min, 0) + 1_000_000);
      return fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) });
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "string": {
      const ids = idsFor(name);
      const len = { minLength: s.minLength ?? 0, maxLength: Math.max(s.minLength ?? 0, Math.min(s.maxLength ?? 40, 60)) };
      let base: fc.Arbitrary<string>;
      if (s.format === "email") base = fc.emailAddress();
      else if (s.format === "uri" || s.format === "url") base = fc.webUrl();
      else if (s.format === "date-time") base = fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
      else if (s.format === "date") base = fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      else if (s.pattern) {
        try {
          base = fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= 200);
        } catch {
          base = fc.string(len);
        }
      } else base = fc.string(len);
      return ids.length ? fc.oneof({ arbitrary: fc.constantFrom(...ids), weight: 4 }, { arbitrary: base, weight: 1 }) : base;
    }
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

/** A digest of every org-scoped table's rows (and the org row): what a rejection must not change. */
let digestSql = "";
async function digest(): Promise<string> {
  if (!digestSql) {
    // Tables and partitioned parents only: a partition's rows are read through its parent, so
    // listing each partition too (information_schema does) read usage_events twice over.
    const { rows } = await pool.query<{ table_name: string }>(
      `SELECT c.relname AS table_name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND a.attname = 'orgId' AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    digestSql =
      "SELECT " +
      rows.map((r) => `(SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM "${r.table_name}" t WHERE t."orgId" = $1) AS "${r.table_name}"`).join(", ") +
      `, (SELECT md5(o::text) FROM orgs o WHERE o.id = $1) AS org`;
  }
  const r = await pool.query(digestSql, [org.org.id]);
  return JSON.stringify(r.rows[0]);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (entry === "actions.ts") out.push(p);
  }
  return out;
}

type Call = (org: string, input: unknown) => Promise<{ ok: boolean; status?: number; error?: string; fieldErrors?: Record<string, string> }>;
type Action = { name: string; call: Call; schema: z.ZodType };

async function loadActions(): Promise<Action[]> {
  const out: Action[] = [];
  for (const file of walk(APP).sort()) {
    const rel = relative(APP, file);
    if (PUBLIC_ACTION_DIRS.some((d) => rel.startsWith(d))) continue;
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      const meta = typeof fn === "function" ? (fn as unknown as Record<symbol, { schema: z.ZodType } | undefined>)[TENANT_ACTION] : undefined;
      if (meta) out.push({ name: `${rel}#${name}`, call: fn as unknown as Call, schema: meta.schema });
    }
  }
  return out;
}

const GENERIC = /^(Invalid input|Something went wrong\. Try again\.|Bad request|Internal error)$/i;

async function attempt(a: Action, input: unknown, label: string) {
  const before = await digest();
  let r: Awaited<ReturnType<Call>>;
  try {
    r = await a.call(org.org.slug, input);
  } catch (e) {
    // Next's redirect()/notFound() throw by design; anything else escaped the action wrapper.
    const digestOf = (e as { digest?: string }).digest ?? "";
    if (/^NEXT_(REDIRECT|NOT_FOUND|HTTP_ERROR)/.test(digestOf)) return;
    r = { ok: false, status: 500, error: `threw: ${(e as Error).message}` };
  }
  surface.cases += 1;
  const status = r.ok ? 200 : (r.status ?? 0);
  surface.statuses[status] = (surface.statuses[status] ?? 0) + 1;
  (perAction[a.name] ??= {})[status] = (perAction[a.name]![status] ?? 0) + 1;
  const note = (kind: string) => {
    if (surface.examples.length < 10) surface.examples.push(`${kind} ${status} ${a.name} ${label}: ${JSON.stringify(input)?.slice(0, 300)} → ${JSON.stringify(r).slice(0, 300)}`);
  };
  if (status >= 500) {
    surface.status5xx += 1;
    note("5xx");
  }
  const after = await digest();
  if (r.ok && after !== before) surface.writesSeen += 1;
  if (!r.ok) {
    if (after !== before) {
      surface.partialWrites += 1;
      note("partial-write");
    }
    const named = status === 401 || status === 403 || status === 404 || status === 429 || Object.keys(r.fieldErrors ?? {}).length > 0 || (!!r.error && !GENERIC.test(r.error));
    if (status < 500 && !named) {
      surface.unnamed += 1;
      note("unnamed");
    }
  }
}

let actions: Action[] = [];
let catcher: Awaited<ReturnType<typeof startMailCatcher>> | null = null;

beforeAll(async () => {
  // Invitations send mail: a working SMTP server on the run's SMTP_PORT (nothing listens there
  // otherwise, and an SMTP outage is answered 502 with the invitation kept, by design).
  if (process.env.SMTP_PORT) catcher = await startMailCatcher({ smtpPort: Number(process.env.SMTP_PORT), httpPort: 0, quiet: true });
  org = await createRichOrg();
  actions = await loadActions();
  actAs(org.owner.id);
}, 120_000);

afterAll(async () => {
  mergeFuzzResults(RESULTS, SEED, CASES, { "server-actions": surface });
  await catcher?.close();
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

describe("hostile input for the server actions (in-process, through their zod schemas)", () => {
  it("valid, mutated and arbitrary inputs for every action", async () => {
    expect(actions.length).toBeGreaterThan(20);
    // FUZZ_CASES per kind for the whole surface: 2 per action and kind by default, ~10,000 per kind in the full run.
    const each = Math.max(1, Math.floor(CASES / actions.length));
    for (const [ai, a] of actions.entries()) {
      let js: Json;
      try {
        js = z.toJSONSchema(a.schema, { io: "input", unrepresentable: "any" }) as Json;
      } catch {
        js = {};
      }
      const valid = arb(js, "");
      const kinds: [string, fc.Arbitrary<unknown>][] = [
        ["valid", valid],
        ["mutated", mutate(valid)],
        ["arbitrary", fc.anything({ maxDepth: 3, withNullPrototype: false })],
      ];
      for (const [ki, [label, gen]] of kinds.entries()) {
        for (const input of fc.sample(gen, { numRuns: each, seed: SEED + ai * 7 + ki })) {
          await attempt(a, input, label);
          actAs(org.owner.id); // an action may not change who the test is
        }
      }
    }
  });

  it("holds the invariants: no unhandled error, no partial write, every rejection explained", () => {
    expect(surface.writesSeen, "no accepted action changed the digest").toBeGreaterThan(0);
    expect({ status5xx: surface.status5xx, partialWrites: surface.partialWrites, unnamed: surface.unnamed, examples: surface.examples }).toEqual({ status5xx: 0, partialWrites: 0, unnamed: 0, examples: [] });
  });
});
