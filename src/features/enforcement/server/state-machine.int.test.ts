import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool, prisma } from "@/server/db";
import { mailbox } from "../../../../test/helpers/mail";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { updateBudget } from "@/features/budgets/server/budgets";
import { deliverAlert } from "@/features/alerts/server/deliver";
import { anomalySweep } from "@/features/alerts/server/anomaly";
import { deleteConnection } from "@/features/providers/server/connections";
import { landUsage, makeBudget } from "@/features/budgets/test/fixtures";
import { applyAction } from "./apply";
import { hardKeyBudgetBody, orgWithFakeKey } from "../test/fixtures";
import { MAX_APPLY_ATTEMPTS } from "./actions";
import { resumeKeyByHand } from "./release";
import { whatLimitsKey } from "./key-limits";

// The enforcement state machine (README.md in this folder): claims, releases, failures and
// manual overrides, each against the fake OpenRouter through the real HTTP client.

let or: FakeOpenRouter;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 71 });
});
afterAll(async () => {
  await or.close();
});

const setup = () => orgWithFakeKey(or);
const body = hardKeyBudgetBody;
const lastOf = (keyId: string, action: "pause" | "resume") => prisma.enforcementAction.findFirstOrThrow({ where: { providerKeyId: keyId, action }, orderBy: [{ requestedAt: "desc" }, { id: "desc" }] });

async function pauseByBudget(s: Awaited<ReturnType<typeof setup>>, cost = 1_200_000n, over: Partial<Parameters<typeof makeBudget>[1]> = {}) {
  const budget = await makeBudget(s.org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: s.key.id, thresholds: [100], ...over });
  await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: cost, providerKeyId: s.key.id, provider: "openrouter" }]);
  const [pause] = (await evaluateBudget(s.org.id, budget.id))!.newPauses;
  expect(await applyAction(pause!)).toMatchObject({ status: "confirmed" });
  expect(or.state.isDisabled(s.fake.hash)).toBe(true);
  return budget;
}

describe("re-pausing after an automatic release (claims are re-armed)", () => {
  it("pauses the key again after hard → soft → hard in the same period", async () => {
    const s = await setup();
    const budget = await pauseByBudget(s);
    await updateBudget(s.ctx, { ...body(s.key.id, { mode: "soft" }), budgetId: budget.id });
    expect((await evaluateBudget(s.org.id, budget.id))!.resumed).toBe(1);
    expect(await applyAction((await lastOf(s.key.id, "resume")).id)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);

    await updateBudget(s.ctx, { ...body(s.key.id, { mode: "hard" }), budgetId: budget.id });
    const again = await evaluateBudget(s.org.id, budget.id);
    expect(again!.newPauses).toHaveLength(1);
    expect(await applyAction(again!.newPauses[0]!)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);
  });

  it("pauses the key again when spend dips below the cap (a corrected cost) and crosses it again", async () => {
    const s = await setup();
    const budget = await pauseByBudget(s);
    // A provider cost correction lowers the landed spend to $0.70 without any budget edit.
    await pool.query(`UPDATE usage_rollups SET "costMicros" = "costMicros" - 500000 WHERE "orgId" = $1 AND "providerKeyId" = $2`, [s.org.id, s.key.id]);
    expect((await evaluateBudget(s.org.id, budget.id))!.resumed).toBe(1);
    expect(await applyAction((await lastOf(s.key.id, "resume")).id)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);

    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: 400_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    const again = await evaluateBudget(s.org.id, budget.id);
    expect(again!.newPauses).toHaveLength(1);
    expect(await applyAction(again!.newPauses[0]!)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);
  });

  it("a manual resume still overrides the budget after a dip and a re-crossing", async () => {
    const s = await setup();
    const budget = await pauseByBudget(s);
    const res = await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "approved by finance" });
    expect(await applyAction(res.actionId)).toMatchObject({ status: "confirmed" });
    await pool.query(`UPDATE usage_rollups SET "costMicros" = "costMicros" - 500000 WHERE "orgId" = $1 AND "providerKeyId" = $2`, [s.org.id, s.key.id]);
    await evaluateBudget(s.org.id, budget.id);
    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: 400_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    expect((await evaluateBudget(s.org.id, budget.id))!.newPauses).toHaveLength(0);
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
  });
});

describe("a failed resume never wedges a key", () => {
  it("after a resume failed for good, the next automatic release resumes the key", async () => {
    const s = await setup();
    const budget = await pauseByBudget(s);
    // The key lost its connection (as a connection deletion used to leave it): the resume fails for good.
    await prisma.providerKey.update({ where: { id: s.key.id }, data: { connectionId: null } });
    await updateBudget(s.ctx, { ...body(s.key.id, { amountUsd: "5" }), budgetId: budget.id });
    expect((await evaluateBudget(s.org.id, budget.id))!.resumed).toBe(1);
    const failed = await lastOf(s.key.id, "resume");
    expect(await applyAction(failed.id)).toMatchObject({ status: "failed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);

    // The connection is back (re-added and re-linked by the poll): the next release works.
    await prisma.providerKey.update({ where: { id: s.key.id }, data: { connectionId: s.conn.id } });
    expect((await evaluateBudget(s.org.id, budget.id, new Date(), { full: true }))!.resumed).toBe(1);
    const next = await lastOf(s.key.id, "resume");
    expect(next.id).not.toBe(failed.id);
    expect(await applyAction(next.id)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: s.key.id } })).toMatchObject({ status: "active", pausedByTollgate: false });
  });

  it("after a resume failed for good, the Resume button works, and it reports what it did truthfully", async () => {
    const s = await setup();
    await pauseByBudget(s);
    await prisma.providerKey.update({ where: { id: s.key.id }, data: { connectionId: null } });
    // Without a connection Tollgate cannot re-enable the key: say so instead of "requested".
    await expect(resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "try anyway" })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/no provider connection/) });

    // A resume that then fails for good (the connection vanished while it was queued).
    await prisma.providerKey.update({ where: { id: s.key.id }, data: { connectionId: s.conn.id } });
    const first = await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "launch" });
    expect(first.actionId).toEqual(expect.any(String));
    // Asking again while it is queued names the same action (nothing new, nothing lost).
    expect(await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "launch, again" })).toMatchObject({ actionId: first.actionId, status: "already_requested" });
    await prisma.providerKey.update({ where: { id: s.key.id }, data: { connectionId: null } });
    expect(await applyAction(first.actionId)).toMatchObject({ status: "failed" });

    await prisma.providerKey.update({ where: { id: s.key.id }, data: { connectionId: s.conn.id } });
    const second = await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "launch, connection fixed" });
    expect(second).toMatchObject({ status: "requested", actionId: expect.any(String) });
    expect(second.actionId).not.toBe(first.actionId);
    expect(await applyAction(second.actionId)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
  });

  it("deleting a connection that Tollgate still holds keys through is refused with a clear message", async () => {
    const s = await setup();
    await pauseByBudget(s);
    await expect(deleteConnection(s.ctx, { connectionId: s.conn.id })).rejects.toMatchObject({ status: 409, message: expect.stringContaining(s.key.label) });
    expect(await prisma.providerConnection.count({ where: { id: s.conn.id } })).toBe(1);
    const res = await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "moving accounts" });
    expect(await applyAction(res.actionId)).toMatchObject({ status: "confirmed" });
    expect(await deleteConnection(s.ctx, { connectionId: s.conn.id })).toEqual({ id: s.conn.id });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
  });

  it("deleting a connection whose key limits Tollgate keeps synced is refused until the limits are given back", async () => {
    const s = await setup();
    await prisma.providerKey.update({ where: { id: s.key.id }, data: { limitSyncActive: true, limitBeforeSyncMicros: null, syncedLimitMicros: 2_000_000n } });
    await expect(deleteConnection(s.ctx, { connectionId: s.conn.id })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/credit limit/) });
  });
});

describe("failures are loud", () => {
  it("a pause the provider refuses (revoked management key) fails at once and alerts the admins, naming the unprotected key and why", async () => {
    const s = await setup();
    const budget = await makeBudget(s.org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: s.key.id, thresholds: [100] });
    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: 1_500_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    const [pause] = (await evaluateBudget(s.org.id, budget.id))!.newPauses;
    or.controls.failNext(4, 401, { pathPrefix: "/keys" });
    expect(await applyAction(pause!)).toMatchObject({ status: "failed" });
    or.controls.clearFailures();
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
    const alert = await prisma.alert.findFirstOrThrow({ where: { orgId: s.org.id, kind: "enforcement_failed" } });
    expect(alert.title).toContain(s.key.label);
    expect(alert.title).toMatch(/not paused/i);
    expect(alert.payload).toMatchObject({ keyId: s.key.id, action: "pause", error: expect.stringMatching(/401|rejected|auth/i) });
    await deliverAlert(alert.id);
    const mails = await mailbox(s.owner.email);
    expect(mails.map((m) => m.subject)).toContainEqual(expect.stringMatching(new RegExp(`${s.key.label}.*NOT paused`)));

    const view = await whatLimitsKey(s.ctx, { keyId: s.key.id });
    expect(view.enforcementProblem).toMatchObject({ action: "pause", actionId: pause, error: expect.stringMatching(/401|rejected|auth/i) });
  });

  it("a pause that keeps failing stops retrying after a bound and alerts once", async () => {
    const s = await setup();
    const budget = await makeBudget(s.org.id, { amountMicros: 1_000_000n, mode: "hard", scope: "key", providerKeyId: s.key.id, thresholds: [100] });
    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(), costMicros: 1_500_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    const [pause] = (await evaluateBudget(s.org.id, budget.id))!.newPauses;
    or.controls.failNext(10_000, 503, { pathPrefix: "/keys" });
    let last: unknown = null;
    for (let i = 0; i < MAX_APPLY_ATTEMPTS + 3; i++) last = await applyAction(pause!).catch((e: Error) => e);
    or.controls.clearFailures();
    expect(last).toMatchObject({ status: "skipped" });
    const row = await prisma.enforcementAction.findUniqueOrThrow({ where: { id: pause! } });
    expect(row).toMatchObject({ status: "failed", attempts: MAX_APPLY_ATTEMPTS });
    expect(row.lastError).toMatch(/503/);
    const alerts = await prisma.alert.findMany({ where: { orgId: s.org.id, kind: "enforcement_failed" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.payload).toMatchObject({ keyId: s.key.id, attempts: MAX_APPLY_ATTEMPTS });
  });
});

describe("anomaly pauses outrank budget releases", () => {
  it("a budget's automatic release does not resume a key an anomaly pause holds until an admin resumes it", async () => {
    const s = await setup();
    await prisma.org.update({ where: { id: s.org.id }, data: { anomalyMinSpendMicros: 2_000_000n, anomalyAutoPause: true } });
    const HOUR = 3_600_000;
    const now = new Date();
    const lastHour = Math.floor(now.getTime() / HOUR) * HOUR - HOUR;
    const usage = [];
    for (let d = 1; d <= 7; d++) usage.push({ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(lastHour - d * 86_400_000 + 60_000), costMicros: 500_000n, providerKeyId: s.key.id, provider: "openrouter" as const });
    await landUsage(usage);
    // A lifetime hard budget pauses the key first ($3.50 of $1).
    const budget = await pauseByBudget(s, 0n, { period: "lifetime" });
    await landUsage([{ orgId: s.org.id, workspaceId: s.workspace.id, at: new Date(lastHour + 60_000), costMicros: 12_000_000n, providerKeyId: s.key.id, provider: "openrouter" }]);
    // Then the spend spike pauses it too (it joins the pause in force).
    await anomalySweep(now, { orgIds: [s.org.id] });
    const spike = await prisma.enforcementAction.findFirstOrThrow({ where: { providerKeyId: s.key.id, action: "pause", budgetId: null } });
    expect(await applyAction(spike.id)).toMatchObject({ status: "confirmed" });

    // The budget is raised above spend: its release must not undo the anomaly pause.
    await updateBudget(s.ctx, { ...body(s.key.id, { period: "lifetime", amountUsd: "1000" }), budgetId: budget.id });
    expect((await evaluateBudget(s.org.id, budget.id))!.resumed).toBe(0);
    expect(await prisma.enforcementAction.count({ where: { providerKeyId: s.key.id, action: "resume" } })).toBe(0);
    expect(or.state.isDisabled(s.fake.hash)).toBe(true);
    const row = await prisma.providerKey.findUniqueOrThrow({ where: { id: s.key.id } });
    expect(row).toMatchObject({ status: "paused", pausedByTollgate: true, pausedByBudgetId: null });
    expect(row.pauseReason).toMatch(/spike/i);

    // An admin acts.
    const res = await resumeKeyByHand(s.ctx, { keyId: s.key.id, reason: "the batch job was expected" });
    expect(await applyAction(res.actionId)).toMatchObject({ status: "confirmed" });
    expect(or.state.isDisabled(s.fake.hash)).toBe(false);
  });
});
