import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { buildMessage } from "@/features/alerts/server/messages";
import { pollOpenRouter } from "./poll-openrouter";
import { listReconciliation } from "./reconciliation";
import { makeConnection, noSleep, pushEvents } from "./pollers.test-helpers";

const HOUR = 3_600_000;
const DAY = 86_400_000;

let or: FakeOpenRouter;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 101 });
});
afterAll(async () => {
  await or.close();
  await closeQueues();
});

describe("reconciliation against the bill", () => {
  it("records Tollgate vs billed per connection and closed day, and alerts once when the drift exceeds 1 % (top models and keys)", async () => {
    const { org, workspace, defaultTag, ctx } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const key = or.state.createKey({ name: "misreporting app" });
    const today = Math.floor(Date.now() / DAY) * DAY;
    const clean = today - 3 * DAY;
    const drifted = today - 2 * DAY;
    for (let i = 0; i < 2; i++) or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: clean + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 100 });
    const gens = Array.from({ length: 3 }, (_, i) => or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: drifted + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 100 }));
    const billed = gens.reduce((s, g) => s + g.costMicros, 0n);
    // The app reports twice the real cost for the drifted day.
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: "openai/gpt-4.1", projectTagId: defaultTag.id },
      gens.map((g) => ({ occurredAt: new Date(g.createdAt), apiKeyRef: key.hash, costMicros: g.costMicros * 2n })),
    );
    expect((await pollOpenRouter(conn.id, { sleep: noSleep })).status).toBe("ok");

    const rows = await prisma.billReconciliation.findMany({ where: { connectionId: conn.id }, orderBy: { day: "asc" } });
    expect(rows.map((r) => [r.day.getTime(), r.tollgateMicros - r.billedMicros])).toEqual([
      [clean, 0n],
      [drifted, billed],
    ]);
    const alerts = await prisma.alert.findMany({ where: { orgId: org.id, kind: "bill_drift" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.payload).toMatchObject({ day: new Date(drifted).toISOString().slice(0, 10), driftPercent: 100, topModels: [{ label: "openai/gpt-4.1" }] });
    const message = await buildMessage(alerts[0]!, ctx.orgSlug, null);
    expect(message.subject).toContain("bill");
    expect(message.facts).toContainEqual(["Drift", expect.stringContaining("100.00 %")]);

    // A re-read of the same days doesn't alert again.
    await prisma.providerConnection.update({ where: { id: conn.id }, data: { cursors: {} } });
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(await prisma.alert.count({ where: { orgId: org.id, kind: "bill_drift" } })).toBe(1);

    const page = await listReconciliation(ctx);
    expect(page.rows.map((r) => [r.day, r.over])).toEqual([
      [new Date(drifted).toISOString().slice(0, 10), true],
      [new Date(clean).toISOString().slice(0, 10), false],
    ]);
  });

  it("shows a drift under half a cent as $0.00 and 0.00 %, never with a minus sign", async () => {
    const { org, workspace, ctx } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const day = new Date(Math.floor(Date.now() / DAY) * DAY - 2 * DAY);
    // Tollgate's list-price estimate a few micro-USD under a bill of $1.80.
    await prisma.billReconciliation.create({ data: { orgId: org.id, connectionId: conn.id, day, tollgateMicros: 1_799_997n, billedMicros: 1_800_000n } });
    const { rows } = await listReconciliation(ctx);
    expect(rows.find((r) => r.day === day.toISOString().slice(0, 10))).toMatchObject({ tollgate: "$1.80", billed: "$1.80", drift: "$0.00", driftPercent: "0.00 %", over: false });
  });
});

