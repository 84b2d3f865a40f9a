import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";

vi.mock("@/server/next/session", () => sessionMock);

const { prisma } = await import("@/server/db");
const { evaluateBudget } = await import("@/features/budgets/server/evaluate");
const { landUsage, makeBudget } = await import("@/features/budgets/test/fixtures");
const { createBudget, getBudget, listBudgets } = await import("@/features/budgets/server/budgets");
const { deliverAlert } = await import("./deliver");
const collection = await import("@/app/api/v1/orgs/[org]/budgets/route");
const item = await import("@/app/api/v1/orgs/[org]/budgets/[budgetId]/route");

// A receiver that redirects /redirect to /stolen and records every path it is asked for.
let server: Server;
let base = "";
const paths: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      if (req.url === "/redirect") res.writeHead(307, { location: `${base}/stolen` }).end();
      else res.writeHead(403, { "content-type": "text/plain" }).end("internal admin panel: secret=hunter2");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function crossedAlert(webhookUrl: string) {
  const { org, workspace } = await createOrg();
  const budget = await makeBudget(org.id, { amountMicros: 1_000_000n, thresholds: [100], webhookUrl });
  await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 2_000_000n }]);
  const [alertId] = (await evaluateBudget(org.id, budget.id))!.newAlerts;
  return alertId!;
}

describe("budget webhooks", () => {
  it("refuse private, link-local and metadata addresses when saved", async () => {
    const { ctx } = await createOrg();
    for (const webhookUrl of ["http://169.254.169.254/latest/api/token", "http://10.0.0.8/admin", "http://[fd00:ec2::254]/", "http://0.0.0.0:9000/"]) {
      await expect(createBudget(ctx, { name: "B", scope: "org", period: "daily", amountUsd: "1", webhookUrl }), webhookUrl).rejects.toMatchObject({
        status: 400,
        issues: [{ path: "webhookUrl" }],
      });
    }
    expect(await prisma.budget.count({ where: { orgId: ctx.orgId } })).toBe(0);
  });

  it("are refused at delivery when the stored URL points at a metadata address (checked at send time too)", async () => {
    const alertId = await crossedAlert("http://169.254.169.254/latest/api/token");
    await expect(deliverAlert(alertId)).rejects.toThrow(/webhook/);
    const a = await prisma.alert.findUniqueOrThrow({ where: { id: alertId } });
    expect(a.webhookStatus).toBe("pending");
    expect(a.webhookError).toMatch(/private, link-local or reserved/);
  });

  it("don't follow redirects and don't keep the target's answer beyond its status", async () => {
    paths.length = 0;
    const redirected = await crossedAlert(`${base}/redirect`);
    await expect(deliverAlert(redirected)).rejects.toThrow(/webhook/);
    expect(paths).toEqual(["/redirect"]);
    expect((await prisma.alert.findUniqueOrThrow({ where: { id: redirected } })).webhookError).toBe("Webhook answered HTTP 307");

    const answered = await crossedAlert(`${base}/admin`);
    await expect(deliverAlert(answered)).rejects.toThrow(/webhook/);
    const row = await prisma.alert.findUniqueOrThrow({ where: { id: answered } });
    expect(row.webhookError).toBe("Webhook answered HTTP 403");
    expect(JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain("hunter2");
  });

  it("are secrets: masked for viewers, in API responses and in the audit log; an edit that echoes the mask keeps the URL", async () => {
    const a = await createOrg();
    const viewer = await addMember(a.org.id, "viewer");
    const secretUrl = "https://hooks.slack.com/services/T0000/B0000/s3cr3tT0kenABCD";
    const created = await createBudget(a.ctx, { name: "B", scope: "org", period: "daily", amountUsd: "10", webhookUrl: secretUrl });
    expect(created.webhookUrl).toBe("https://hooks.slack.com/…ABCD");
    expect(JSON.stringify(await listBudgets(viewer.ctx))).not.toContain("s3cr3t");
    expect(JSON.stringify(await getBudget(viewer.ctx, { budgetId: created.id }))).not.toContain("s3cr3t");

    const req = (method: string, body?: unknown) =>
      new Request("http://localhost/api/v1/orgs/x/budgets", { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } });
    const p = <T extends Record<string, string>>(v: T) => ({ params: Promise.resolve(v) });
    actAs(viewer.user.id);
    expect(await (await collection.GET(req("GET"), p({ org: a.org.slug }))).text()).not.toContain("s3cr3t");
    actAs(a.owner.id);
    // PATCH merges into the (masked) view: the stored URL must survive.
    const patched = await item.PATCH(req("PATCH", { amountUsd: "20" }), p({ org: a.org.slug, budgetId: created.id }));
    expect(patched.status).toBe(200);
    expect(await patched.text()).not.toContain("s3cr3t");
    expect((await prisma.budget.findUniqueOrThrow({ where: { id: created.id } })).webhookUrl).toBe(secretUrl);

    const logs = await prisma.auditLog.findMany({ where: { orgId: a.org.id, targetId: created.id } });
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(logs)).not.toContain("s3cr3t");
  });
});
