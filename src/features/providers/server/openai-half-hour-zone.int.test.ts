import { afterAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { sumUsage } from "@/features/usage/server/rollups";
import { reconcilePolled, type PolledRow } from "./reconcile";
import { makeConnection } from "./pollers.test-helpers";

afterAll(async () => {
  await closeQueues();
});

describe("OpenAI hour buckets in a :30 time zone (README Known limits)", () => {
  it("an hour bucket counts in the local day of its UTC start: 18:00-19:00 UTC is 23:30 on the earlier date in Asia/Kolkata", async () => {
    const { org, workspace } = await createOrg();
    await prisma.org.update({ where: { id: org.id }, data: { timeZone: "Asia/Kolkata" } });
    const c = await makeConnection(org, { provider: "openai", secret: "sk-admin-kolkata", baseUrl: "http://127.0.0.1:9", workspaceId: workspace.id });
    const conn = { id: c.id, orgId: org.id, provider: "openai" as const, workspaceId: workspace.id };
    const row: PolledRow = {
      bucketStart: new Date("2026-11-04T18:00:00.000Z"), bucketSeconds: 3600, keyRef: "", projectRef: "proj_k", userRef: "", model: "gpt-4o-mini",
      metrics: { requests: 4n, inputTokens: 1000n, outputTokens: 10n, cachedTokens: 0n, cacheWriteTokens: 0n, reasoningTokens: 0n, costMicros: 1_234n },
    };
    await reconcilePolled(conn, new Map([["openai.completions", [row]]]), 0, new Map());
    const scope = { orgId: org.id, timeZone: "Asia/Kolkata" };
    expect(await sumUsage(scope, { range: { from: "2026-11-04", to: "2026-11-05" } }, "requests")).toBe(4n);
    expect(await sumUsage(scope, { range: { from: "2026-11-05", to: "2026-11-06" } }, "requests")).toBe(0n);
  });
});
