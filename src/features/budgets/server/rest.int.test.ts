import { describe, expect, it, vi } from "vitest";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";

vi.mock("@/server/next/session", () => sessionMock);

const collection = await import("@/app/api/v1/orgs/[org]/budgets/route");
const item = await import("@/app/api/v1/orgs/[org]/budgets/[budgetId]/route");

const req = (method: string, body?: unknown) =>
  new Request("http://localhost/api/v1/orgs/x/budgets", { method, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } });
const p = <T extends Record<string, string>>(v: T) => ({ params: Promise.resolve(v) });

describe("REST /api/v1/orgs/:org/budgets", () => {
  it("admins create, patch and delete; viewers read; field errors are named; other orgs get 404", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const viewer = await addMember(a.org.id, "viewer");
    actAs(a.owner.id);
    const created = await collection.POST(req("POST", { name: "API", scope: "workspace", workspaceId: a.workspace.id, period: "weekly", amountUsd: 120.5, mode: "hard" }), p({ org: a.org.slug }));
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { id: string; amountMicros: string; thresholds: number[] } };
    expect(data).toMatchObject({ amountMicros: "120500000", thresholds: [80, 100] });

    const invalid = await collection.POST(req("POST", { name: "", scope: "project", period: "hourly", amountUsd: "-1" }), p({ org: a.org.slug }));
    expect(invalid.status).toBe(400);
    const paths = ((await invalid.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "period", "amountUsd"]));
    expect((await collection.POST(req("POST", "{not json"), p({ org: a.org.slug }))).status).toBe(400);

    const patched = await item.PATCH(req("PATCH", { amountUsd: "200", thresholds: [50, 90, 100] }), p({ org: a.org.slug, budgetId: data.id }));
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { data: { amountMicros: string; thresholds: number[]; period: string } }).data).toMatchObject({ amountMicros: "200000000", thresholds: [50, 90, 100], period: "weekly" });

    actAs(viewer.user.id);
    const list = await collection.GET(req("GET"), p({ org: a.org.slug }));
    expect(((await list.json()) as { data: { id: string; status: { percent: number } }[] }).data).toEqual([expect.objectContaining({ id: data.id, status: expect.objectContaining({ percent: 0 }) })]);
    expect((await item.DELETE(req("DELETE"), p({ org: a.org.slug, budgetId: data.id }))).status).toBe(403);

    actAs(b.owner.id);
    expect((await item.GET(req("GET"), p({ org: a.org.slug, budgetId: data.id }))).status).toBe(404);
    expect((await item.GET(req("GET"), p({ org: b.org.slug, budgetId: data.id }))).status).toBe(404);
    expect((await item.PATCH(req("PATCH", { amountUsd: "1" }), p({ org: b.org.slug, budgetId: data.id }))).status).toBe(404);
    expect((await item.DELETE(req("DELETE"), p({ org: b.org.slug, budgetId: data.id }))).status).toBe(404);

    actAs(a.owner.id);
    expect((await item.DELETE(req("DELETE"), p({ org: a.org.slug, budgetId: data.id }))).status).toBe(200);
    expect((await item.GET(req("GET"), p({ org: a.org.slug, budgetId: data.id }))).status).toBe(404);
  });

  it("text PostgreSQL can't store is a 400 naming the field in a body and a 404 in the path, and nothing changes", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const ok = { name: "ok", scope: "org", period: "monthly", amountUsd: "10" };
    const created = (await (await collection.POST(req("POST", ok), p({ org: a.org.slug }))).json()) as { data: { id: string; name: string; updatedAt: string } };
    for (const bad of ["a\u0000b", "a\ud800b"]) {
      for (const field of ["name", "modelFilter", "webhookUrl"]) {
        const value = field === "webhookUrl" ? `https://hooks.example/${bad}` : bad;
        const res = await collection.POST(req("POST", { ...ok, [field]: value }), p({ org: a.org.slug }));
        expect({ bad, field, status: res.status }).toEqual({ bad, field, status: 400 });
        expect(((await res.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toContain(field);
        const patched = await item.PATCH(req("PATCH", { [field]: value }), p({ org: a.org.slug, budgetId: created.data.id }));
        expect({ bad, field, status: patched.status }).toEqual({ bad, field, status: 400 });
      }
      expect((await item.GET(req("GET"), p({ org: a.org.slug, budgetId: bad }))).status).toBe(404);
      expect((await item.PATCH(req("PATCH", { amountUsd: "1" }), p({ org: a.org.slug, budgetId: bad }))).status).toBe(404);
      expect((await item.DELETE(req("DELETE"), p({ org: a.org.slug, budgetId: bad }))).status).toBe(404);
    }
    const { prisma } = await import("@/server/db");
    const rows = await prisma.budget.findMany({ where: { orgId: a.org.id } });
    expect(rows.map((r) => [r.id, r.name, r.updatedAt.toISOString()])).toEqual([[created.data.id, "ok", created.data.updatedAt]]);
  });
});

describe("REST /api/v1/orgs/:org/budgets against cross-site requests", () => {
  const send = (method: string, headers: Record<string, string>, body?: unknown) =>
    new Request("http://localhost:3000/api/v1/orgs/x/budgets", { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { host: "localhost:3000", ...headers } });
  const budget = (name: string) => ({ name, scope: "org", period: "daily", amountUsd: "1", mode: "hard" });

  it("refuses a mutation whose Origin is another site (403 with a clear message) and changes nothing", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const json = { "content-type": "application/json" };
    const evil = await collection.POST(send("POST", { ...json, origin: "https://evil.example" }, budget("csrf")), p({ org: a.org.slug }));
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { message: string } }).error.message).toMatch(/Cross-origin request refused: Origin https:\/\/evil\.example/);
    // A sibling subdomain is another origin too.
    expect((await collection.POST(send("POST", { ...json, origin: "https://app.localhost:3000" }, budget("csrf")), p({ org: a.org.slug }))).status).toBe(403);
    // No Origin, but the browser says cross-site.
    expect((await collection.POST(send("POST", { ...json, "sec-fetch-site": "cross-site" }, budget("csrf")), p({ org: a.org.slug }))).status).toBe(403);
    // text/plain (what a cross-site <form> can send without a preflight) is refused.
    expect((await collection.POST(send("POST", { "content-type": "text/plain", origin: "http://localhost:3000" }, budget("csrf")), p({ org: a.org.slug }))).status).toBe(415);
    const { prisma } = await import("@/server/db");
    expect(await prisma.budget.count({ where: { orgId: a.org.id } })).toBe(0);

    // Same origin, and non-browser clients (no Origin, no Sec-Fetch-Site), go through.
    expect((await collection.POST(send("POST", { ...json, origin: "http://localhost:3000", "sec-fetch-site": "same-origin" }, budget("ok1")), p({ org: a.org.slug }))).status).toBe(201);
    expect((await collection.POST(send("POST", json, budget("ok2")), p({ org: a.org.slug }))).status).toBe(201);
    // Reads are never refused.
    expect((await collection.GET(send("GET", { origin: "https://evil.example" }), p({ org: a.org.slug }))).status).toBe(200);
  });
});
