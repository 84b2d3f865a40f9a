import { afterAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { reconcilePolled, type PolledRow } from "./reconcile";
import { makeConnection, rollupTotals } from "./pollers.test-helpers";

const DAY = 86_400_000;

afterAll(async () => {
  await closeQueues();
});

describe("poll fills with counts beyond int32", () => {
  it("a polled day of more than 2^31 tokens and requests is kept exactly, never clamped at 2,147,483,647", async () => {
    const { org, workspace } = await createOrg();
    const c = await makeConnection(org, { provider: "openrouter", secret: "sk-or-big", baseUrl: "http://127.0.0.1:9", workspaceId: workspace.id });
    const conn = { id: c.id, orgId: org.id, provider: "openrouter" as const, workspaceId: workspace.id };
    const day = new Date(Math.floor(Date.now() / DAY) * DAY - 2 * DAY);
    const big = 7_000_000_001n; // > 3 × 2^31
    const row: PolledRow = {
      bucketStart: day, bucketSeconds: 86_400, keyRef: "", projectRef: "", userRef: "", model: "m-big",
      metrics: { requests: 2_500_000_000n, inputTokens: big, outputTokens: 3n, cachedTokens: 0n, cacheWriteTokens: 0n, reasoningTokens: 2_147_483_648n, costMicros: 123_456_789n },
    };
    await reconcilePolled(conn, new Map([["openrouter.activity", [row]]]), 0, new Map());
    const agg = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll" } });
    const sum = (f: (e: (typeof agg)[number]) => number | bigint) => agg.reduce((s, e) => s + BigInt(f(e)), 0n);
    expect(sum((e) => e.inputTokens)).toBe(big);
    expect(sum((e) => e.requests)).toBe(2_500_000_000n);
    expect(sum((e) => e.reasoningTokens)).toBe(2_147_483_648n);
    expect(sum((e) => e.outputTokens)).toBe(3n);
    expect(sum((e) => e.costMicros ?? 0n)).toBe(123_456_789n);
    const totals = await rollupTotals(org.id, { from: day, to: new Date(day.getTime() + DAY) });
    expect(totals.inputTokens).toBe(big);
    expect(totals.requests).toBe(2_500_000_000n);

    // Re-read smaller: the parts it no longer needs are zeroed, nothing is left behind.
    await reconcilePolled(conn, new Map([["openrouter.activity", [{ ...row, metrics: { ...row.metrics, requests: 5n, inputTokens: 10n, reasoningTokens: 0n } }]]]), 0, new Map());
    const again = await rollupTotals(org.id, { from: day, to: new Date(day.getTime() + DAY) });
    expect(again.inputTokens).toBe(10n);
    expect(again.requests).toBe(5n);
  });
});
