import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { updateBudget } from "@/features/budgets/server/budgets";
import { landUsage, makeBudget } from "@/features/budgets/test/fixtures";
import { applyAction } from "./apply";
import { hardKeyBudgetBody, orgWithFakeKey } from "../test/fixtures";
import { pauseKeyByHand, resumeKeyByHand } from "./release";
import { whatLimitsKey } from "./key-limits";

// "Pause" by hand (README: manual pauses): an admin's pause holds the key until an admin
// resumes it; budget releases never undo it.

let or: FakeOpenRouter;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 113 });
});
afterAll(async () => {
  await or.close();
});

const setup = () => orgWithFakeKey(or);
const body = hardKeyBudgetBody;

describe("pausing a key by hand", () => {
  it("disables the key at OpenRouter, is audited with actor and reason, and shows as paused by hand", async () => {
    const s = await setup();
    const res = await pauseKeyByHand(s.ctx, { keyId: s.key.id, reason: "Leaked in a public gist" });
    expect(res.status).toBe("requested");
    expect(await applyAction(res.actionId)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: s.key.id } })).toMatchObject({ status: "paused", pausedByTollgate: true, pausedByBudgetId: null });
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: s.org.id, action: "key.pause_requested", targetId: s.key.id } });
    expect(audit.actorUserId).toBe(s.owner.id);
    expect(audit.before).toMatchObject({ status: "active", pausedByTollgate: false });
    expect(audit.after).toMatchObject({ reason: "Leaked in a public gist", actionId: res.actionId });
    const view = await whatLimitsKey(s.ctx, { keyId: s.key.id });
    expect(view.pause).toMatchObject({ byTollgate: true, byHand: { reason: "Leaked in a public gist", status: "confirmed" } });
    expect(view.pause?.byHand?.by).toBe(s.ctx.actorLabel);
    expect(view.canPauseByHand).toBe(false);
    // Asking again while it holds answers with the same pause.
    expect(await pauseKeyByHand(s.ctx, { keyId: s.key.id, reason: "again please" })).toMatchObject({ status: "already_requested", actionId: res.actionId });
  });

  it("a budget's release does not resume a key paused by hand; the admin's resume does", async () => {
    const s = await setup();
    const budget = await makeBudget(s.org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: s.key.id, thresholds: [100] });
    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: 1_200_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    const [budgetPause] = (await evaluateBudget(s.org.id, budget.id))!.newPauses;
    expect(await applyAction(budgetPause!)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);

    // The admin pauses it by hand on top of the budget's pause.
    const res = await pauseKeyByHand(s.ctx, { keyId: s.key.id, reason: "Investigating the spend" });
    expect(await applyAction(res.actionId)).toMatchObject({ status: "confirmed" });

    // The budget is raised above spend: its release must leave the key paused.
    await updateBudget(s.ctx, { ...body(s.key.id, { amountUsd: "1000" }), budgetId: budget.id });
    expect((await evaluateBudget(s.org.id, budget.id))!.resumed).toBe(0);
    expect(await prisma.enforcementAction.count({ where: { providerKeyId: s.key.id, action: "resume" } })).toBe(0);
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: s.key.id } })).toMatchObject({ status: "paused", pausedByTollgate: true, pausedByBudgetId: null });

    const resumed = await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "False alarm" });
    expect(await applyAction(resumed.actionId)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: s.key.id } })).toMatchObject({ status: "active", pausedByTollgate: false });
    const view = await whatLimitsKey(s.ctx, { keyId: s.key.id });
    expect(view.pause).toBeNull();
    expect(view.canPauseByHand).toBe(true);

    // After a resume a new manual pause is a new claim.
    const again = await pauseKeyByHand(s.ctx, { keyId: s.key.id, reason: "Second look" });
    expect(again.status).toBe("requested");
    expect(again.actionId).not.toBe(res.actionId);
  });

  it("a budget's release while the manual pause is still pending at the provider leaves the key paused", async () => {
    const s = await setup();
    const budget = await makeBudget(s.org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: s.key.id, thresholds: [100] });
    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: 1_200_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    const [budgetPause] = (await evaluateBudget(s.org.id, budget.id))!.newPauses;
    expect(await applyAction(budgetPause!)).toMatchObject({ status: "confirmed" });
    const res = await pauseKeyByHand(s.ctx, { keyId: s.key.id, reason: "Hold over the weekend" });
    // The budget lets go before the manual pause was applied: the pending manual pause holds.
    await updateBudget(s.ctx, { ...body(s.key.id, { amountUsd: "1000" }), budgetId: budget.id });
    expect((await evaluateBudget(s.org.id, budget.id))!.resumed).toBe(0);
    expect(await prisma.enforcementAction.count({ where: { providerKeyId: s.key.id, action: "resume" } })).toBe(0);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: s.key.id } })).toMatchObject({ status: "paused", pausedByBudgetId: null, pauseReason: expect.stringMatching(/by hand/) });
    expect(await applyAction(res.actionId)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);
  });

  it("viewers and members are refused and nothing changes; another org gets 404", async () => {
    const s = await setup();
    const viewer = await addMember(s.org.id, "viewer");
    const member = await addMember(s.org.id, "member");
    await expect(pauseKeyByHand(viewer.ctx, { keyId: s.key.id, reason: "not mine to pause" })).rejects.toMatchObject({ status: 403 });
    await expect(pauseKeyByHand(member.ctx, { keyId: s.key.id, reason: "not mine to pause" })).rejects.toMatchObject({ status: 403 });
    const other = await createOrg();
    await expect(pauseKeyByHand(other.ctx, { keyId: s.key.id, reason: "not mine to pause" })).rejects.toMatchObject({ status: 404 });
    expect(await prisma.enforcementAction.count({ where: { providerKeyId: s.key.id } })).toBe(0);
    expect(await prisma.auditLog.count({ where: { action: "key.pause_requested", targetId: s.key.id } })).toBe(0);
    expect((await whatLimitsKey(viewer.ctx, { keyId: s.key.id })).pause).toBeNull();
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
  });
});
