import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { landUsage, makeBudget, makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { syncLimitsForBudget } from "./sync-limits";

let or: FakeOpenRouter;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 91 });
});
afterAll(async () => {
  await or.close();
});

describe("credit-limit sync call rate", () => {
  it("reads the key list once per connection, not one GET per key, and calls per key only to change a limit", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org.id, "openrouter", or.url, or.state.managementKey, workspace.id);
    const keys = [];
    for (let i = 0; i < 6; i++) {
      const fk = or.state.createKey({ name: `sync-${i}` });
      keys.push({ fk, row: await makeKey(org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, workspaceId: workspace.id }) });
    }
    const budget = await makeBudget(org.id, { amountMicros: 5_000_000n, mode: "hard", scope: "org", thresholds: [100], syncKeyLimits: true });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 1_000_000n, providerKeyId: keys[0]!.row.id, provider: "openrouter" }]);
    const first = await syncLimitsForBudget(org.id, budget.id);
    expect(first.filter((r) => r.changed)).toHaveLength(6);
    for (const k of keys) expect(or.state.getKey(k.fk.hash)!.limit).toBe(4);

    // Steady state: nothing to change, so no per-key call at all.
    const from = or.controls.log.length;
    const again = await syncLimitsForBudget(org.id, budget.id);
    expect(again.filter((r) => r.changed)).toHaveLength(0);
    const calls = or.controls.log.slice(from);
    expect(calls.filter((c) => /^\/(api\/v1\/)?keys\/.+/.test(c.path))).toHaveLength(0);
    expect(calls.filter((c) => /^\/(api\/v1\/)?keys$/.test(c.path)).length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it("several hard budgets syncing within a second share one key-list read, and a limit change makes the next sync read it again", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org.id, "openrouter", or.url, or.state.managementKey, workspace.id);
    const fk = or.state.createKey({ name: "shared" });
    const key = await makeKey(org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, workspaceId: workspace.id });
    const budgets = [];
    for (const amount of [5_000_000n, 7_000_000n, 9_000_000n]) budgets.push(await makeBudget(org.id, { amountMicros: amount, mode: "hard", scope: "org", thresholds: [100], syncKeyLimits: true }));
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 1_000_000n, providerKeyId: key.id, provider: "openrouter" }]);
    const lists = (from: number) => or.controls.log.slice(from).filter((c) => /^\/(api\/v1\/)?keys$/.test(c.path)).length;

    // The first sync sets the limit (the tightest budget: 5 − 1 = 4 USD) and forgets its read.
    const before = or.controls.log.length;
    expect((await syncLimitsForBudget(org.id, budgets[0]!.id)).map((r) => r.changed)).toEqual([true]);
    expect(or.state.getKey(fk.hash)!.limit).toBe(4);
    // Steady state: the three budgets' jobs, back to back, read the list once between them.
    const steady = or.controls.log.length;
    for (const b of budgets) expect((await syncLimitsForBudget(org.id, b.id)).map((r) => r.changed)).toEqual([false]);
    expect(lists(steady)).toBe(1);
    expect(lists(before)).toBe(2);

    // A limit changed behind our back is seen again once the shared read is a second old.
    or.state.getKey(fk.hash)!.limit = 50;
    await new Promise((r) => setTimeout(r, 1_050));
    const after = or.controls.log.length;
    expect((await syncLimitsForBudget(org.id, budgets[1]!.id)).map((r) => r.changed)).toEqual([true]);
    expect(or.state.getKey(fk.hash)!.limit).toBe(4);
    expect(lists(after)).toBe(1);
  });
});
