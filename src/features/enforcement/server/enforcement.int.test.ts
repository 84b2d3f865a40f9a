import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { mailbox } from "../../../../test/helpers/mail";
import { periodBounds } from "@/lib/periods";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { OpenRouterClient } from "@/providers/openrouter/client";
import { OpenAIAdminClient } from "@/providers/openai/client";
import { ProviderError } from "@/providers/errors";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { deleteBudget, updateBudget } from "@/features/budgets/server/budgets";
import { deliverAlert } from "@/features/alerts/server/deliver";
import { landUsage, makeBudget, makeConnection, makeKey, recipient } from "@/features/budgets/test/fixtures";
import { applyAction } from "./apply";
import { resumeKeyByHand } from "./release";
import { whatLimitsKey } from "./key-limits";
import { syncLimitsForBudget } from "./sync-limits";

let or: FakeOpenRouter;
let oa: FakeOpenAI;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 11 });
  oa = await startFakeOpenAI({ seed: 12 });
});
afterAll(async () => {
  await or.close();
  await oa.close();
});

async function orSetup(opts: { keys?: number } = {}) {
  const o = await createOrg();
  const conn = await makeConnection(o.org.id, "openrouter", or.url, or.state.managementKey, o.workspace.id);
  const keys = [];
  for (let i = 0; i < (opts.keys ?? 1); i++) {
    const fk = or.state.createKey({ name: `k${i}` });
    const row = await makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, label: `Key ${i}`, workspaceId: o.workspace.id });
    keys.push({ fake: fk, row });
  }
  return { ...o, conn, keys };
}

const budgetBody = (over: Record<string, unknown>) => ({ name: "Hard", scope: "key", period: "daily", amountUsd: "1", thresholds: [100], mode: "hard", syncKeyLimits: false, paceAlerts: false, ...over });
const actionsOf = (keyId: string, action: "pause" | "resume") => prisma.enforcementAction.findMany({ where: { providerKeyId: keyId, action }, orderBy: { requestedAt: "asc" } });

describe("enforcement at OpenRouter", () => {
  it("pauses at 100% of a hard budget, retrying provider errors until confirmed, exactly once; resumes when the budget is raised", async () => {
    const { org, workspace, ctx, keys } = await orSetup();
    const [k] = keys;
    const to = recipient();
    const budget = await makeBudget(org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: k!.row.id, thresholds: [100], recipientEmails: [to] });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 1_200_000n, providerKeyId: k!.row.id, provider: "openrouter", model: "openai/gpt-4.1" }]);
    const results = await Promise.all([1, 2, 3, 4].map(() => evaluateBudget(org.id, budget.id)));
    const pauses = results.flatMap((r) => r!.newPauses);
    expect(pauses).toHaveLength(1);

    or.controls.failNext(3, 500, { pathPrefix: "/keys" });
    await expect(applyAction(pauses[0]!)).rejects.toBeInstanceOf(ProviderError);
    let action = await prisma.enforcementAction.findUniqueOrThrow({ where: { id: pauses[0]! } });
    expect(action).toMatchObject({ status: "pending", attempts: 1 });
    expect(action.lastError).toMatch(/500/);
    expect(or.state.isDisabled(k!.fake.hash)).toBe(false);
    expect(await applyAction(pauses[0]!)).toMatchObject({ status: "confirmed" });
    expect(await applyAction(pauses[0]!)).toMatchObject({ status: "skipped" });
    action = await prisma.enforcementAction.findUniqueOrThrow({ where: { id: pauses[0]! } });
    expect(action).toMatchObject({ status: "confirmed", attempts: 2, lastError: null });
    expect(or.state.isDisabled(k!.fake.hash)).toBe(true);
    const row = await prisma.providerKey.findUniqueOrThrow({ where: { id: k!.row.id } });
    expect(row).toMatchObject({ status: "paused", pausedByTollgate: true, pausedByBudgetId: budget.id });
    expect(row.pausedAt).toBeInstanceOf(Date);
    expect(row.pauseReason).toMatch(/reached 100%/);
    expect(await prisma.auditLog.count({ where: { orgId: org.id, action: "key.paused", targetId: k!.row.id } })).toBe(1);
    const pausedAlert = await prisma.alert.findFirstOrThrow({ where: { orgId: org.id, kind: "key_paused" } });
    await deliverAlert(pausedAlert.id);
    expect((await mailbox(to)).map((m) => m.subject)).toContainEqual(expect.stringContaining("paused"));
    // The provider itself now refuses the key.
    const inference = new OpenRouterClient({ apiKey: k!.fake.secret, baseUrl: or.url, maxRetries: 0 });
    await expect(inference.chatCompletion({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 401 });

    // "What limits this key" names the budget, its use and when the key resumes.
    const view = await whatLimitsKey(ctx, { keyId: k!.row.id });
    expect(view.budgets).toEqual([expect.objectContaining({ id: budget.id, mode: "hard", percent: 120, over: true })]);
    expect(view.pause).toMatchObject({ byTollgate: true, budgetId: budget.id, resumesAt: periodBounds("daily", "UTC", new Date()).end.toISOString() });

    // Raising the amount above spend resumes the key.
    await updateBudget(ctx, { ...budgetBody({ providerKeyId: k!.row.id, amountUsd: "5", recipientEmails: [to] }), budgetId: budget.id });
    const after = await evaluateBudget(org.id, budget.id);
    expect(after!.resumed).toBe(1);
    const [resume] = await actionsOf(k!.row.id, "resume");
    expect(await applyAction(resume!.id)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(k!.fake.hash)).toBe(false);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: k!.row.id } })).toMatchObject({ status: "active", pausedByTollgate: false, pausedByBudgetId: null });
    expect(await prisma.auditLog.count({ where: { orgId: org.id, action: "key.resumed", targetId: k!.row.id } })).toBe(1);
  });

  it("resumes when the period resets; resumes only keys Tollgate paused", async () => {
    const { org, workspace, keys } = await orSetup({ keys: 2 });
    const [mine, theirs] = keys;
    or.state.updateKey(theirs!.fake.hash, { disabled: true }); // disabled by a human at OpenRouter
    const budget = await makeBudget(org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "org", thresholds: [100] });
    const now = new Date();
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: now, costMicros: 2_000_000n, providerKeyId: mine!.row.id, provider: "openrouter" }]);
    const r = await evaluateBudget(org.id, budget.id, now);
    expect(r!.newPauses).toHaveLength(2);
    for (const id of r!.newPauses) expect(await applyAction(id)).toMatchObject({ status: "confirmed" });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: theirs!.row.id } })).toMatchObject({ pausedByTollgate: false });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: mine!.row.id } })).toMatchObject({ pausedByTollgate: true });

    const tomorrow = new Date(periodBounds("daily", "UTC", now).end.getTime() + 1000);
    const reset = await evaluateBudget(org.id, budget.id, tomorrow);
    expect(reset!.resumed).toBe(1);
    expect(await actionsOf(theirs!.row.id, "resume")).toHaveLength(0);
    const [resume] = await actionsOf(mine!.row.id, "resume");
    await applyAction(resume!.id);
    expect(or.state.isDisabled(mine!.fake.hash)).toBe(false);
    expect(or.state.isDisabled(theirs!.fake.hash)).toBe(true);
  });

  it("admins resume by hand with a reason; the budget does not re-pause the key this period", async () => {
    const { org, workspace, ctx, keys } = await orSetup();
    const [k] = keys;
    const budget = await makeBudget(org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: k!.row.id, thresholds: [100] });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 3_000_000n, providerKeyId: k!.row.id, provider: "openrouter" }]);
    const [pause] = (await evaluateBudget(org.id, budget.id))!.newPauses;
    await applyAction(pause!);
    const member = await addMember(org.id, "member");
    await expect(resumeKeyByHand(member.ctx, { keyId: k!.row.id, reason: "please" })).rejects.toMatchObject({ status: 403 });
    const other = await createOrg();
    await expect(resumeKeyByHand(other.ctx, { keyId: k!.row.id, reason: "please" })).rejects.toMatchObject({ status: 404 });
    const res = await resumeKeyByHand(ctx, { keyId: k!.row.id, reason: "Launch day, approved by finance" });
    expect(res.overriddenBudgets).toEqual([budget.id]);
    expect(await applyAction(res.actionId!)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(k!.fake.hash)).toBe(false);
    const again = await evaluateBudget(org.id, budget.id);
    expect(again!.newPauses).toHaveLength(0);
    expect((await whatLimitsKey(ctx, { keyId: k!.row.id })).budgets[0]).toMatchObject({ overriddenByHand: true, over: true });
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: org.id, action: "key.resume_requested" } });
    expect(audit.after).toMatchObject({ reason: "Launch day, approved by finance" });
    // Nothing left to resume → a clear 400.
    await expect(resumeKeyByHand(ctx, { keyId: k!.row.id, reason: "again" })).rejects.toMatchObject({ status: 400 });
  });

  it("keeps the key's credit limit at usage + remaining budget, so OpenRouter refuses the crossing request; restores it when the budget goes", async () => {
    const { org, workspace, ctx, keys } = await orSetup();
    const [k] = keys;
    const budget = await makeBudget(org.id, { amountMicros: 2_000_000n, mode: "hard", scope: "key", providerKeyId: k!.row.id, thresholds: [100], syncKeyLimits: true });
    // $0.50 spent at the provider and landed in Tollgate.
    or.state.record({ keyHash: k!.fake.hash, model: "anthropic/claude-sonnet-4", promptTokens: 0, completionTokens: 33_334 });
    const spent = or.state.usageMicros(k!.fake.hash);
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: spent, providerKeyId: k!.row.id, provider: "openrouter" }]);
    const [r] = await syncLimitsForBudget(org.id, budget.id);
    expect(r!.limitMicros).toBe(2_000_000n); // usage 0.50 + remaining 1.50
    expect(or.state.getKey(k!.fake.hash)!.limit).toBe(2);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: k!.row.id } })).toMatchObject({ limitSyncActive: true, limitBeforeSyncMicros: null, syncedLimitMicros: 2_000_000n });
    const inference = new OpenRouterClient({ apiKey: k!.fake.secret, baseUrl: or.url, maxRetries: 0 });
    const big = { model: "anthropic/claude-sonnet-4", messages: [{ role: "user", content: "x" }], fake_usage: { prompt_tokens: 0, completion_tokens: 110_000 } }; // $1.65
    await expect(inference.chatCompletion(big)).rejects.toMatchObject({ kind: "limit_exceeded" });
    await inference.chatCompletion({ ...big, fake_usage: { prompt_tokens: 0, completion_tokens: 90_000 } }); // $1.35 fits
    // The budget is deleted: the key gets its own (unlimited) limit back.
    await deleteBudget(ctx, { budgetId: budget.id });
    await syncLimitsForBudget(org.id, budget.id);
    expect(or.state.getKey(k!.fake.hash)!.limit).toBeNull();
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: k!.row.id } })).toMatchObject({ limitSyncActive: false, syncedLimitMicros: null });
  });
});

describe("enforcement at OpenAI (project hard spend limit)", () => {
  it("sets the project's limit to its month-to-date spend, retrying errors; restores the previous limit once no key of the project is paused", async () => {
    const { org, workspace, ctx } = await createOrg();
    const project = oa.state.createProject({ name: "prod", spendLimitCents: 5000 });
    const k1 = oa.state.createApiKey(project.id, { name: "svc-1" });
    const k2 = oa.state.createApiKey(project.id, { name: "svc-2" });
    const conn = await makeConnection(org.id, "openai", oa.url, oa.state.adminKey);
    const rows = await Promise.all(
      [k1, k2].map((k) => makeKey(org.id, { connectionId: conn.id, provider: "openai", providerKeyId: k.id, providerProjectId: project.id, workspaceId: workspace.id })),
    );
    oa.state.record({ projectId: project.id, apiKeyId: k1.id, userId: null, model: "gpt-4o", inputTokens: 100_000, outputTokens: 10_000 }); // $0.35
    const mtd = oa.state.projectSpendMicros(project.id);
    const budget = await makeBudget(org.id, { amountMicros: 300_000n, mode: "hard", scope: "org", providerFilter: "openai", thresholds: [100] });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: mtd, providerKeyId: rows[0]!.id }]);
    const r = await evaluateBudget(org.id, budget.id);
    expect(r!.newPauses).toHaveLength(2);
    oa.controls.failNext(2, 503, { pathPrefix: "/organization" });
    const first = r!.newPauses[0]!;
    await expect(applyAction(first)).rejects.toBeInstanceOf(ProviderError);
    for (const id of r!.newPauses) expect(await applyAction(id)).toMatchObject({ status: "confirmed" });
    const cents = Math.ceil(Number(mtd) / 10_000);
    expect(oa.state.projects.get(project.id)!.spendLimitCents).toBe(cents);
    const actions = await prisma.enforcementAction.findMany({ where: { id: { in: r!.newPauses } } });
    expect(actions.map((a) => (a.details as { previousLimitCents: number }).previousLimitCents)).toEqual([5000, 5000]);
    const inference = new OpenAIAdminClient({ apiKey: k2.secret, baseUrl: oa.url, maxRetries: 0 });
    await expect(inference.chatCompletion({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 429, code: "project_spend_limit_exceeded" });
    expect((await whatLimitsKey(ctx, { keyId: rows[1]!.id })).control).toMatch(/no per-key disable/);

    await updateBudget(ctx, { ...budgetBody({ scope: "org", providerFilter: "openai", amountUsd: "100" }), budgetId: budget.id });
    expect((await evaluateBudget(org.id, budget.id))!.resumed).toBe(2);
    const resumes = await prisma.enforcementAction.findMany({ where: { orgId: org.id, action: "resume" }, orderBy: { requestedAt: "asc" } });
    for (const a of resumes) expect(await applyAction(a.id)).toMatchObject({ status: "confirmed" });
    const outcomes = (await prisma.enforcementAction.findMany({ where: { orgId: org.id, action: "resume" } })).map((a) => (a.details as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual(["applied", "kept"]);
    expect(oa.state.projects.get(project.id)!.spendLimitCents).toBe(5000);
    await inference.chatCompletion({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  });
});
