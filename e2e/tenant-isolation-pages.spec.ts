/**
 * The tenant gate for pages, over HTTP against the production server (`next start`): the owner
 * of org B opens every page under /[org] with org A's slug, and every page with an id segment
 * with org A's ids in org B's URL. Each must answer a real HTTP 404 (not the not-found UI
 * streamed with 200 after a loading.tsx) and show nothing of A. The same pages with B's own ids
 * answer 200, so a 404 here means the id, not a broken page. Pages are found by walking
 * src/app, so a new page is covered without touching this file.
 * (test/tenant-isolation.int.test.ts does the same for server actions and route handlers.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRichOrg } from "../test/helpers/org-fixture";
import { prisma, pool } from "@/server/db";
import { hashPassword } from "@/server/auth/password";
import { can, PERMISSIONS, type Permission } from "@/server/rbac";
import { closeQueues } from "@/server/jobs/queue";
import { signInOverHttp } from "../test/helpers/http-session";
import { BASE_URL } from "./support";

const ORG_DIR = join(__dirname, "..", "src", "app", "[org]");

function pages(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...pages(p));
    else if (entry === "page.tsx") out.push(p);
  }
  return out;
}

/** "budgets/[budgetId]/page.tsx" → ["budgets", "[budgetId]"]; route groups "(x)" are not in the URL. */
const segmentsOf = (file: string) =>
  relative(ORG_DIR, file)
    .split(sep)
    .slice(0, -1)
    .filter((s) => !/^\(.*\)$/.test(s));

type Org = Awaited<ReturnType<typeof createRichOrg>>;
let A: Org;
let B: Org;
let cookie = "";
let viewerCookie = "";

function idOf(org: Org, param: string): string {
  const m: Record<string, string> = {
    budgetid: org.ids.budget,
    keyid: org.ids.key,
    workspaceid: org.ids.workspace,
    memberid: org.ids.member,
    tagid: org.ids.tag,
    connectionid: org.ids.connection,
    scheduleid: org.ids.schedule,
  };
  const id = m[param.toLowerCase()];
  if (!id) throw new Error(`No fixture id for [${param}]: add it to idOf in e2e/tenant-isolation-pages.spec.ts`);
  return id;
}

function urlFor(segments: string[], slug: string, ids: Org): string {
  return `/${slug}/${segments.map((s) => (s.startsWith("[") ? idOf(ids, s.slice(1, -1)) : s)).join("/")}`.replace(/\/$/, "");
}

async function get(path: string, as = cookie): Promise<{ status: number; body: string }> {
  const res = await fetch(new URL(path, BASE_URL), { headers: { cookie: as }, redirect: "manual" });
  return { status: res.status, body: await res.text() };
}

/**
 * The permissions a page asks for: in the page itself (getPageContextWith) and in the layouts
 * from its folder up to [org] (permissionLayout, requireOrgRow).
 */
function permissionsOf(page: string): Permission[] {
  const files = [page];
  for (let dir = dirname(page); dir.startsWith(ORG_DIR) && dir !== ORG_DIR; dir = dirname(dir)) if (existsSync(join(dir, "layout.tsx"))) files.push(join(dir, "layout.tsx"));
  const found = files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(/(?:getPageContextWith\([^,]+|permissionLayout\(|requireOrgRow\([^,]+),?\s*"([a-z_]+:[a-z]+)"/g)].map((m) => m[1]!));
  return found.filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p));
}

const orgPages = pages(ORG_DIR).map((f) => ({ rel: relative(ORG_DIR, f), segments: segmentsOf(f), permissions: permissionsOf(f) }));
const idPages = orgPages.filter((p) => p.segments.some((s) => s.startsWith("[")));

beforeAll(async () => {
  A = await createRichOrg();
  B = await createRichOrg();
  cookie = await signInOverHttp(BASE_URL, B.owner.email, "correct horse battery");
  const viewer = await prisma.user.create({
    data: { email: `viewer-${B.org.id}@example.test`, name: "Viewer B", emailVerified: new Date(), passwordHash: await hashPassword("correct horse battery") },
  });
  await prisma.membership.create({ data: { orgId: B.org.id, userId: viewer.id, role: "viewer" } });
  viewerCookie = await signInOverHttp(BASE_URL, viewer.email, "correct horse battery");
});
afterAll(async () => {
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

/** Everything of A that must not show: ids and slug, except what the requested URL itself carries. */
const leaks = (body: string, requestedPath: string) => [...Object.values(A.ids), A.org.slug].filter((v) => !requestedPath.split("/").includes(v) && body.includes(v));

describe("tenant isolation of pages over HTTP", () => {
  it("finds the pages with an id segment", () => {
    expect(idPages.map((p) => p.rel).length).toBeGreaterThanOrEqual(3);
  });

  it.each(orgPages.map((p) => [p.rel, p]))("%s answers 200 in org B and 404 with org A's slug", async (_rel, p) => {
    if (p.segments.some((s) => s.startsWith("["))) return; // ids: covered below
    expect((await get(urlFor(p.segments, B.org.slug, B))).status, "org B's own page").toBe(200);
    const r = await get(urlFor(p.segments, A.org.slug, A));
    expect(r.status).toBe(404);
    expect(leaks(r.body, `/${A.org.slug}`)).toEqual([]);
  });

  it.each(idPages.map((p) => [p.rel, p]))("%s with org A's id in org B answers 404 and shows nothing of A", async (_rel, p) => {
    const own = await get(urlFor(p.segments, B.org.slug, B));
    expect(own.status, "the page with org B's own id").toBe(200);

    const foreignPath = urlFor(p.segments, B.org.slug, A);
    const foreign = await get(foreignPath);
    expect(foreign.status, foreignPath).toBe(404);
    // The id may sit mid-path (workspaces/[workspaceId]/reports): echoing the caller's own URL is no leak.
    expect(leaks(foreign.body, foreignPath)).toEqual([]);

    const viaA = await get(urlFor(p.segments, A.org.slug, A));
    expect(viaA.status, "org A's slug and id").toBe(404);
  });
});

describe("pages a member lacks the permission for, over HTTP", () => {
  it("finds pages that a viewer may not open", () => {
    expect(orgPages.filter((p) => p.permissions.some((perm) => !can("viewer", perm))).map((p) => p.rel)).toEqual(
      expect.arrayContaining([join("budgets", "new", "page.tsx"), join("schedules", "[scheduleId]", "page.tsx")]),
    );
  });

  // A real 404 (not the not-found UI streamed with 200 after a loading.tsx): the check runs in a
  // layout above the section's loading.tsx (src/server/next/page-permission.ts).
  it.each(orgPages.map((p) => [p.rel, p]))("%s answers a viewer of the org 200 if the role has the page's permissions, else 404", async (_rel, p) => {
    const allowed = p.permissions.every((perm) => can("viewer", perm));
    const r = await get(urlFor(p.segments, B.org.slug, B), viewerCookie);
    expect(r.status, `${p.rel} needs ${p.permissions.join(", ") || "membership"}`).toBe(allowed ? 200 : 404);
  });
});
