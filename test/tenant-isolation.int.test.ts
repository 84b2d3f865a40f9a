/**
 * The tenant gate, tried from the outside: every server action (`actions.ts`) and every
 * route handler (`route.ts`) under src/app is called by the owner of org B with org A's
 * slug and with org A's ids, and must neither read nor change anything of org A.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { actAs, sessionMock } from "./helpers/session";
import { createRichOrg, snapshotOrg } from "./helpers/org-fixture";
import { sampleInput } from "./helpers/sample-input";
import type { z } from "zod";

vi.mock("@/server/next/session", () => sessionMock);

const { TENANT_ACTION, TENANT_ROUTE, TOKEN_ROUTE } = await import("@/server/next/gate");
const { createApiToken } = await import("@/features/api-tokens/server/api-tokens");
const { prisma } = await import("@/server/db");
const { sha256Hex } = await import("@/server/crypto");

const APP = join(__dirname, "..", "src", "app");

/** Entry points that are not scoped to an existing org, each with why. */
const NOT_TENANT_SCOPED: Record<string, string> = {
  "api/auth/[...nextauth]/route.ts": "next-auth's own endpoints",
  "api/health/route.ts": "liveness, no tenant data",
  "api/v1/usage/route.ts": "ingest: authenticated by a workspace token (tested in ingest tests)",
  "api/otlp/v1/traces/route.ts": "OTLP ingest: authenticated by a workspace token",
  "api/v1/openapi.json/route.ts": "the public API reference, no tenant data",
};
const PUBLIC_ACTION_DIRS = ["(auth)/", "onboarding/"]; // sign-up, invitation acceptance, first org

function walk(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p, name));
    else if (entry === name) out.push(p);
  }
  return out;
}

const actionFiles = walk(APP, "actions.ts");
const routeFiles = walk(APP, "route.ts");

let A: Awaited<ReturnType<typeof createRichOrg>>;
let B: Awaited<ReturnType<typeof createRichOrg>>;
let before: string;
let aIdValues: string[];
let tokenB: string;
let tokenBNoScope: string;

function idFor(field: string): string | undefined {
  const f = field.toLowerCase();
  const m: Record<string, string> = {
    workspaceid: A.ids.workspace,
    projecttagid: A.ids.tag,
    tagid: A.ids.tag,
    connectionid: A.ids.connection,
    keyid: A.ids.key,
    providerkeyid: A.ids.key,
    tokenid: A.ids.token,
    invitationid: A.ids.invitation,
    memberid: A.ids.member,
    userid: A.ids.member,
    membershipid: A.ids.membership,
    budgetid: A.ids.budget,
    alertid: A.ids.alert,
    scheduleid: A.ids.schedule,
    exportid: A.ids.export,
    runid: A.ids.run,
    ownerid: A.ids.owner,
    orgid: A.ids.org,
  };
  return m[f] ?? (f.endsWith("id") ? A.ids.workspace : undefined);
}

function leaksA(body: string): string[] {
  return aIdValues.filter((id) => body.includes(id));
}

beforeAll(async () => {
  A = await createRichOrg();
  B = await createRichOrg();
  aIdValues = [...Object.values(A.ids), A.org.slug];
  tokenB = (await createApiToken(B.ctx, { name: "B pipeline", scopes: ["reports:read"] })).token;
  tokenBNoScope = `tg_api_noscope_${B.ids.org}`;
  await prisma.apiToken.create({ data: { orgId: B.org.id, name: "B no scope", scopes: [], tokenHash: sha256Hex(tokenBNoScope), prefix: "tg_api_nosc" } });
  before = await snapshotOrg(A.org.id);
}, 60_000);

describe("tenant isolation", () => {
  it("finds the entry points", () => {
    expect(routeFiles.length).toBeGreaterThan(0);
  });

  it.each(actionFiles.map((f) => [relative(APP, f)]))("server actions in %s", async (rel) => {
    const mod = (await import(join(APP, rel))) as Record<string, unknown>;
    const isPublic = PUBLIC_ACTION_DIRS.some((d) => rel.startsWith(d));
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== "function") continue;
      const meta = (fn as unknown as Record<symbol, { schema: z.ZodType } | undefined>)[TENANT_ACTION];
      if (isPublic && !meta) continue;
      expect(meta, `${rel}#${name} must be built with tenantAction`).toBeTruthy();
      const call = fn as (org: string, input: unknown) => Promise<{ ok: boolean; status?: number; data?: unknown }>;
      const candidates = Object.values(A.ids);
      const inputs = [sampleInput(meta!.schema, idFor)];
      // A bare `id` can mean any kind of row: try each of A's ids.
      const first = inputs[0];
      if (first && typeof first === "object" && "id" in (first as object)) {
        for (const id of candidates) inputs.push({ ...(first as object), id });
      }
      actAs(B.owner.id);
      for (const input of inputs) {
        const viaA = await call(A.org.slug, input);
        expect(viaA, `${rel}#${name} with org A's slug`).toMatchObject({ ok: false, status: 404 });
        const viaB = await call(B.org.slug, input);
        if (viaB.ok) {
          expect(leaksA(JSON.stringify(viaB.data, (_k, v) => (typeof v === "bigint" ? String(v) : v))), `${rel}#${name} returned org A data`).toEqual([]);
        } else {
          expect(viaB.status, `${rel}#${name}: ${JSON.stringify(viaB)}`).toBeGreaterThanOrEqual(400);
          expect(viaB.status).toBeLessThan(500);
        }
      }
    }
  });

  it.each(routeFiles.map((f) => [relative(APP, f)]))("route handlers in %s", async (rel) => {
    if (NOT_TENANT_SCOPED[rel]) return;
    const mod = (await import(join(APP, rel))) as Record<string, unknown>;
    const segments = [...rel.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
    if (isTokenRouteModule(mod)) return tokenRouteChecks(rel, mod, segments);
    expect(segments, `${rel} must live under an [org] segment`).toContain("org");
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      const handler = mod[method] as ((req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>) | undefined;
      if (!handler) continue;
      expect((handler as unknown as Record<symbol, unknown>)[TENANT_ROUTE], `${rel} ${method} must use withTenantRoute`).toBeTruthy();
      const body = method === "GET" || method === "DELETE" ? undefined : JSON.stringify(Object.fromEntries(Object.keys(A.ids).map((k) => [`${k}Id`, A.ids[k as keyof typeof A.ids]])));
      const req = () => new Request(`http://localhost/x`, { method, body, headers: { "content-type": "application/json" } });
      const params = (org: string) =>
        Object.fromEntries(segments.map((s) => [s, s === "org" ? org : (idFor(s) ?? A.ids.workspace)]));
      actAs(B.owner.id);
      const viaA = await handler(req(), { params: Promise.resolve(params(A.org.slug)) });
      expect(viaA.status, `${rel} ${method} with org A's slug`).toBe(404);
      const viaB = await handler(req(), { params: Promise.resolve(params(B.org.slug)) });
      const text = await viaB.text();
      if (viaB.status < 400) expect(leaksA(text), `${rel} ${method} returned org A data`).toEqual([]);
      else expect(viaB.status, `${rel} ${method}: ${text}`).toBeLessThan(500);
    }
  });

  it("covers the token-authenticated public API", () => {
    expect(routeFiles.map((f) => relative(APP, f))).toEqual(expect.arrayContaining(["api/v1/reports/usage/route.ts", "api/v1/exports/[exportId]/download/route.ts", "api/v1/report-runs/[runId]/download/route.ts"]));
  });

  it("left org A exactly as it was", async () => {
    expect(await snapshotOrg(A.org.id)).toBe(before);
  });
});

type Handler = (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function isTokenRouteModule(mod: Record<string, unknown>): boolean {
  return METHODS.some((m) => mod[m] && (mod[m] as unknown as Record<symbol, unknown>)[TOKEN_ROUTE]);
}

/**
 * Routes of the public API are authenticated by an org API token, not a session, and take
 * no org in the URL: the org is the token's. Org B's token with org A's ids must get 404 (or,
 * for lists, nothing of A); a token without the scope 403; no token 401.
 */
async function tokenRouteChecks(rel: string, mod: Record<string, unknown>, segments: string[]) {
  for (const method of METHODS) {
    const handler = mod[method] as Handler | undefined;
    if (!handler) continue;
    expect((handler as unknown as Record<symbol, unknown>)[TOKEN_ROUTE], `${rel} ${method} must use withTokenRoute`).toBeTruthy();
    const body = method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ from: "2020-01-01", to: "2020-01-02", ...Object.fromEntries(Object.keys(A.ids).map((k) => [`${k}Id`, A.ids[k as keyof typeof A.ids]])) });
    const params = Object.fromEntries(segments.map((s) => [s, idFor(s) ?? A.ids.workspace]));
    const req = (token: string | null) =>
      new Request(`http://localhost/x?workspace_id=${A.ids.workspace}&scheduleId=${A.ids.schedule}&from=2020-01-01&to=2030-01-01`, {
        method,
        body,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    actAs(B.owner.id); // a session must not stand in for a token
    expect((await handler(req(null), { params: Promise.resolve(params) })).status, `${rel} ${method} without a token`).toBe(401);
    expect((await handler(req(tokenBNoScope), { params: Promise.resolve(params) })).status, `${rel} ${method} without the scope`).toBe(403);
    const res = await handler(req(tokenB), { params: Promise.resolve(params) });
    const text = await res.text();
    if (segments.length) expect(res.status, `${rel} ${method} with org A's ids: ${text}`).toBe(404);
    else if (res.status < 400) expect(leaksA(text), `${rel} ${method} returned org A data`).toEqual([]);
    else expect(res.status, `${rel} ${method}: ${text}`).toBeLessThan(500);
  }
}
