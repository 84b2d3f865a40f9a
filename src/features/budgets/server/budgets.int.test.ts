import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { prisma } from "@/server/db";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { mailbox } from "../../../../test/helpers/mail";
import { periodBounds } from "@/lib/periods";
import { deliverAlert } from "@/features/alerts/server/deliver";
import { createBudget, deleteBudget, getBudget, listBudgets, updateBudget, patchBudget } from "./budgets";
import { evaluateBudget } from "./evaluate";
import { spendInRange } from "./spend";
import { landUsage, makeBudget, makeKey, recipient } from "../test/fixtures";

const baseInput = (over: Record<string, unknown> = {}) => ({
  name: "Team monthly",
  scope: "org",
  period: "monthly",
  amountUsd: "250",
  thresholds: [80, 100],
  mode: "soft",
  ...over,
});

describe("budget CRUD", () => {
  it("creates with exact micros, validates with field errors, audits every change", async () => {
    const { ctx, workspace } = await createOrg();
    const b = await createBudget(ctx, baseInput({ amountUsd: "19.99", thresholds: "50, 90,100", recipientEmails: "a@x.test, B@x.test" }));
    expect(b.amountMicros).toBe("19990000");
    expect(b.thresholds).toEqual([50, 90, 100]);
    expect(b.recipientEmails).toEqual(["a@x.test", "b@x.test"]);

    await expect(createBudget(ctx, baseInput({ amountUsd: "abc" }))).rejects.toMatchObject({ status: 400, issues: [{ path: "amountUsd" }] });
    await expect(createBudget(ctx, baseInput({ thresholds: [0] }))).rejects.toMatchObject({ status: 400, issues: [{ path: "thresholds.0" }] });
    await expect(createBudget(ctx, baseInput({ thresholds: [80, 80] }))).rejects.toMatchObject({ status: 400 });
    await expect(createBudget(ctx, baseInput({ scope: "workspace" }))).rejects.toMatchObject({ status: 400, issues: [{ path: "workspaceId" }] });
    await expect(createBudget(ctx, baseInput({ webhookUrl: "ftp://x" }))).rejects.toMatchObject({ status: 400, issues: [{ path: "webhookUrl" }] });
    await expect(createBudget(ctx, baseInput({ scope: "member", workspaceId: workspace.id, memberId: "nobody" }))).rejects.toMatchObject({
      status: 400,
      issues: [{ path: "memberId" }],
    });

    const ws = await createBudget(ctx, baseInput({ scope: "workspace", workspaceId: workspace.id, mode: "hard", period: "weekly" }));
    const updated = await updateBudget(ctx, { ...baseInput({ scope: "workspace", workspaceId: workspace.id, mode: "hard", period: "weekly" }), budgetId: ws.id, amountUsd: "300.5" });
    expect(updated.amountMicros).toBe("300500000");
    const patched = await patchBudget(ctx, ws.id, { name: "Renamed" });
    expect(patched).toMatchObject({ name: "Renamed", amountMicros: "300500000", period: "weekly" });
    await deleteBudget(ctx, { budgetId: ws.id });
    const audit = await prisma.auditLog.findMany({ where: { orgId: ctx.orgId, targetId: ws.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["budget.created", "budget.updated", "budget.updated", "budget.deleted"]);
    expect(audit[1]!.before).toMatchObject({ amountMicros: "250000000" });
    expect(audit[1]!.after).toMatchObject({ amountMicros: "300500000" });
    expect(audit[3]!.before).toMatchObject({ name: "Renamed" });
    expect((await listBudgets(ctx)).map((x) => x.id)).toEqual([b.id]);
  });

  it("a key budget whose provider filter is not the key's provider (it could never match) is a 400 on providerFilter, on create and on edit", async () => {
    const { ctx, org } = await createOrg();
    const key = await makeKey(org.id, { connectionId: null, provider: "openai", providerKeyId: `k-${org.id}` });
    await expect(createBudget(ctx, baseInput({ scope: "key", providerKeyId: key.id, providerFilter: "openrouter" }))).rejects.toMatchObject({
      status: 400,
      issues: [expect.objectContaining({ path: "providerFilter" })],
    });
    expect(await prisma.budget.count({ where: { orgId: org.id } })).toBe(0);
    const b = await createBudget(ctx, baseInput({ scope: "key", providerKeyId: key.id, providerFilter: "openai" }));
    await expect(patchBudget(ctx, b.id, { providerFilter: "openrouter" })).rejects.toMatchObject({ status: 400, issues: [expect.objectContaining({ path: "providerFilter" })] });
    expect((await getBudget(ctx, { budgetId: b.id })).providerFilter).toBe("openai");
  });

  it("viewers read but cannot change; members of another org get 404", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const budget = await createBudget(a.ctx, baseInput());
    const viewer = await addMember(a.org.id, "viewer");
    expect((await getBudget(viewer.ctx, { budgetId: budget.id })).id).toBe(budget.id);
    await expect(createBudget(viewer.ctx, baseInput())).rejects.toMatchObject({ status: 403 });
    await expect(deleteBudget(viewer.ctx, { budgetId: budget.id })).rejects.toMatchObject({ status: 403 });

    await expect(getBudget(b.ctx, { budgetId: budget.id })).rejects.toMatchObject({ status: 404 });
    await expect(updateBudget(b.ctx, { ...baseInput(), budgetId: budget.id })).rejects.toMatchObject({ status: 404 });
    await expect(deleteBudget(b.ctx, { budgetId: budget.id })).rejects.toMatchObject({ status: 404 });
    await expect(createBudget(b.ctx, baseInput({ scope: "workspace", workspaceId: a.workspace.id }))).rejects.toMatchObject({ status: 400 });
    expect(await listBudgets(b.ctx)).toEqual([]);
    expect(await prisma.budget.count({ where: { id: budget.id, orgId: a.org.id } })).toBe(1);
  });
});

describe("spend from rollups", () => {
  it("matches the events inside the period exactly, in a +05:45 zone where periods don't align to hours", async () => {
    const { org, workspace } = await createOrg();
    const tz = "Asia/Kathmandu";
    const at = Date.parse("2026-03-15T12:00:00Z");
    const bounds = periodBounds("daily", tz, at);
    // Usage from 2 h before to 2 h after the day, at random minutes.
    const events = fc.sample(
      fc.record({ offsetMin: fc.integer({ min: -120, max: 26 * 60 + 120 }), cost: fc.bigInt({ min: 1n, max: 5_000_000n }) }),
      { numRuns: 300, seed: 7 },
    );
    await landUsage(events.map((e) => ({ orgId: org.id, workspaceId: workspace.id, at: new Date(bounds.start.getTime() + e.offsetMin * 60_000 + 17_000), costMicros: e.cost })));
    const expected = events
      .filter((e) => {
        const t = bounds.start.getTime() + e.offsetMin * 60_000 + 17_000;
        return t >= bounds.start.getTime() && t < bounds.end.getTime();
      })
      .reduce((s, e) => s + e.cost, 0n);
    const b = await makeBudget(org.id, { amountMicros: 1n, period: "daily" });
    expect(await spendInRange(b, bounds.start, bounds.end)).toBe(expected);
    // Weekly and lifetime use day buckets in the middle; the totals still agree.
    const all = events.reduce((s, e) => s + e.cost, 0n);
    const life = periodBounds("lifetime", tz, at);
    expect(await spendInRange(b, life.start, life.end)).toBe(all);
  });

  it("applies scope and provider/model filters", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const other = await prisma.workspace.create({ data: { orgId: org.id, slug: "other", name: "Other" } });
    const now = new Date();
    await landUsage([
      { orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 100n, provider: "openai", model: "gpt-4o", projectTagId: defaultTag.id },
      { orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 20n, provider: "openrouter", model: "anthropic/claude" },
      { orgId: org.id, workspaceId: other.id, at: now, costMicros: 3n, provider: "openai", model: "gpt-4o" },
    ]);
    const b = periodBounds("daily", "UTC", now);
    const spend = (x: Partial<Parameters<typeof makeBudget>[1]>) => makeBudget(org.id, { amountMicros: 1n, ...x }).then((bb) => spendInRange(bb, b.start, b.end));
    expect(await spend({ scope: "org" })).toBe(123n);
    expect(await spend({ scope: "workspace", workspaceId: workspace.id })).toBe(120n);
    expect(await spend({ scope: "project", projectTagId: defaultTag.id })).toBe(100n);
    expect(await spend({ scope: "org", providerFilter: "openai" })).toBe(103n);
    expect(await spend({ scope: "org", modelFilter: "anthropic/claude" })).toBe(20n);
  });
});

describe("threshold alerts", () => {
  it("are claimed and emailed exactly once per threshold under concurrent evaluations and delivery retries", async () => {
    const { org, workspace } = await createOrg();
    const to = recipient();
    const budget = await makeBudget(org.id, { amountMicros: 10_000_000n, thresholds: [50, 80, 100], recipientEmails: [to] });
    const now = new Date();
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 6_000_000n }]);
    const r1 = await Promise.all(Array.from({ length: 8 }, () => evaluateBudget(org.id, budget.id)));
    expect(r1.flatMap((r) => r!.newAlerts)).toHaveLength(1);
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 5_000_000n }]);
    const r2 = await Promise.all(Array.from({ length: 8 }, () => evaluateBudget(org.id, budget.id)));
    expect(r2.flatMap((r) => r!.newAlerts)).toHaveLength(2);
    const alerts = await prisma.alert.findMany({ where: { budgetId: budget.id }, orderBy: { threshold: "asc" } });
    expect(alerts.map((a) => a.threshold)).toEqual([50, 80, 100]);
    // Several deliveries of each alert at once (retries, a re-queued job, two workers).
    await Promise.all(alerts.flatMap((a) => [deliverAlert(a.id), deliverAlert(a.id), deliverAlert(a.id)]));
    await Promise.all(alerts.map((a) => deliverAlert(a.id)));
    const mails = await mailbox(to);
    expect(mails).toHaveLength(3);
    expect(mails.map((m) => m.subject).sort()).toEqual([
      expect.stringContaining("reached 100%"),
      expect.stringContaining("reached 50%"),
      expect.stringContaining("reached 80%"),
    ]);
    const m = mails.find((x) => x.subject.includes("100%"))!;
    expect(m.text).toContain("Spend: $11.00");
    expect(m.text).toContain("Limit: $10.00");
    expect(m.text).toContain("Time left:");
    expect(m.text).toContain("Projected at period end:");
    expect(m.text).toContain("Top models:");
    expect(m.text).toContain("gpt-4o: $11.00");
    expect(m.text).toContain(`/budgets/${budget.id}`);
    expect(m.html).toContain("Top models");
    expect((await prisma.alert.findMany({ where: { budgetId: budget.id } })).every((a) => a.emailStatus === "sent" && a.emailedAt)).toBe(true);
  });

  it("re-arms thresholds above spend when the amount is raised; a new period starts clean", async () => {
    const { org, workspace, ctx } = await createOrg();
    // Pace alerts depend on the time of day; this test is about thresholds.
    const baseInput = (over: Record<string, unknown> = {}) => ({ name: "Daily", scope: "org", period: "daily", amountUsd: "10", mode: "soft", paceAlerts: false, ...over });
    const created = await createBudget(ctx, baseInput({ period: "daily", amountUsd: "10", thresholds: [80, 100] }));
    const now = new Date();
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 8_500_000n }]);
    expect((await evaluateBudget(org.id, created.id, now))!.newAlerts).toHaveLength(1); // 80%
    const raised = await updateBudget(ctx, { ...baseInput({ period: "daily", thresholds: [80, 100] }), budgetId: created.id, amountUsd: "20" });
    expect(raised.rearmed.alerts).toBe(1);
    const old = await prisma.alert.findFirstOrThrow({ where: { budgetId: created.id } });
    expect(old.dedupeKey).toContain(":superseded:");
    expect((await evaluateBudget(org.id, created.id, now))!.newAlerts).toHaveLength(0); // 42.5%
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 8_000_000n }]);
    const again = await evaluateBudget(org.id, created.id, now);
    expect(again!.newAlerts).toHaveLength(1); // 82.5% of $20 → 80% again, once
    expect((await evaluateBudget(org.id, created.id, now))!.newAlerts).toHaveLength(0);
    // Lowering below spend does not re-arm what already fired; it crosses 100% once.
    await updateBudget(ctx, { ...baseInput({ period: "daily", thresholds: [80, 100] }), budgetId: created.id, amountUsd: "15" });
    expect((await evaluateBudget(org.id, created.id, now))!.newAlerts).toHaveLength(1);
    // Next day: a new period, nothing spent yet, nothing claimed.
    const tomorrow = new Date(periodBounds("daily", "UTC", now).end.getTime() + 60_000);
    expect((await evaluateBudget(org.id, created.id, tomorrow))!.newAlerts).toHaveLength(0);
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: tomorrow, costMicros: 16_000_000n }]);
    const next = await evaluateBudget(org.id, created.id, new Date(tomorrow.getTime() + 1000));
    expect(next!.newAlerts).toHaveLength(2);
    const keys = (await prisma.alert.findMany({ where: { id: { in: next!.newAlerts } } })).map((a) => a.dedupeKey);
    expect(keys.every((k) => k.includes(periodBounds("daily", "UTC", tomorrow).start.toISOString()))).toBe(true);
  });

  it("pace: alerts once per period when the projection exceeds the budget before the 80% line", async () => {
    const { org, workspace } = await createOrg();
    const to = recipient();
    const budget = await makeBudget(org.id, { amountMicros: 100_000_000n, period: "weekly", paceAlerts: true, recipientEmails: [to] });
    const monday = Date.parse("2026-11-02T00:00:00Z");
    const now = new Date(monday + 2 * 86_400_000); // Wednesday 00:00: 2/7 of the week elapsed
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(monday + 3_600_000), costMicros: 40_000_000n }]);
    const r = await evaluateBudget(org.id, budget.id, now);
    expect(r!.newAlerts).toHaveLength(1);
    const pace = await prisma.alert.findUniqueOrThrow({ where: { id: r!.newAlerts[0]! } });
    expect(pace.kind).toBe("budget_pace");
    expect(pace.payload).toMatchObject({ projectedMicros: "140000000" });
    expect((await evaluateBudget(org.id, budget.id, new Date(now.getTime() + 3_600_000)))!.newAlerts).toHaveLength(0);
    await deliverAlert(pace.id);
    expect((await mailbox(to))[0]!.subject).toContain("on pace to overspend");
    // At 80% and beyond, the threshold alerts speak; no pace alert in a fresh period that is already past 80%.
    const b2 = await makeBudget(org.id, { amountMicros: 45_000_000n, period: "weekly", paceAlerts: true, thresholds: [80] });
    const r2 = await evaluateBudget(org.id, b2.id, now);
    expect((await prisma.alert.findMany({ where: { id: { in: r2!.newAlerts } } })).map((a) => a.kind)).toEqual(["budget_threshold"]);
  });
});
