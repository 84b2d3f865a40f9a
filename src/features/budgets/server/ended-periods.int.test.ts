import { afterAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { landUsage, makeBudget } from "../test/fixtures";

afterAll(async () => {
  await closeQueues();
});

const DAY = 86_400_000;

async function waitFor<T>(fn: () => Promise<T | null>, ms = 10_000): Promise<T | null> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("late usage for a period that has ended", () => {
  it("re-evaluates that period's budgets: the threshold alert says the period has ended, and no key is paused now", async () => {
    const { org, workspace } = await createOrg();
    await prisma.org.update({ where: { id: org.id }, data: { timeZone: "America/New_York" } });
    const budget = await makeBudget(org.id, { amountMicros: 1_000_000n, period: "daily", thresholds: [100], mode: "hard" });
    // Two days ago, 19:00 UTC = the afternoon in New York: a day that has ended. Uploaded today.
    const at = new Date(Math.floor(Date.now() / DAY) * DAY - 2 * DAY + 19 * 3_600_000);
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at, costMicros: 1_500_000n }]);

    const alert = await waitFor(() => prisma.alert.findFirst({ where: { orgId: org.id, budgetId: budget.id, kind: "budget_threshold" } }));
    expect(alert).not.toBeNull();
    expect(alert!.title).toContain("has ended");
    expect(alert!.payload).toMatchObject({ periodEnded: true });
    expect(alert!.periodStart!.getTime()).toBeLessThanOrEqual(at.getTime());
    expect(alert!.periodStart!.getTime()).toBeGreaterThan(at.getTime() - DAY);
    expect(await prisma.enforcementAction.count({ where: { orgId: org.id } })).toBe(0);
    // The current period is untouched: its state still says nothing was spent today.
    expect((await prisma.budget.findUniqueOrThrow({ where: { id: budget.id } })).lastSpendMicros ?? 0n).toBe(0n);
  });
});
