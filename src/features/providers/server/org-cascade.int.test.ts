import { describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { pool, prisma } from "@/server/db";
import { makeConnection } from "./pollers.test-helpers";

describe("provider accounting rows belong to their org", () => {
  it("deleting an org removes its polled usage, cost lines and bill reconciliations, and rows of an unknown org are refused", async () => {
    const { org, workspace } = await createOrg();
    const c = await makeConnection(org, { provider: "openai", secret: "sk-admin-cascade", baseUrl: "http://127.0.0.1:9", workspaceId: workspace.id });
    const day = new Date(Date.UTC(2026, 10, 3));
    await prisma.polledUsage.create({ data: { orgId: org.id, connectionId: c.id, provider: "openai", endpoint: "openai.completions", bucketStart: day, bucketSeconds: 3600 } });
    await prisma.providerCostLine.create({ data: { orgId: org.id, connectionId: c.id, day, amountMicros: 5n } });
    await prisma.billReconciliation.create({ data: { orgId: org.id, connectionId: c.id, day, tollgateMicros: 1n, billedMicros: 2n } });

    await prisma.org.delete({ where: { id: org.id } });
    const count = async (table: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE "orgId" = $1`, [org.id])).rows[0]!.n;
    expect([await count("polled_usage"), await count("provider_cost_lines"), await count("bill_reconciliations")]).toEqual([0, 0, 0]);
    await expect(pool.query(`INSERT INTO bill_reconciliations (id, "orgId", "connectionId", day, "tollgateMicros", "billedMicros") VALUES ('x-orphan', $1, 'c', now(), 0, 0)`, [org.id])).rejects.toThrow(/foreign key/);
  });
});
