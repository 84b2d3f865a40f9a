import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { updateBudget } from "@/features/budgets/server/budgets";
import { landUsage, makeBudget, makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { applyAction } from "./apply";

// OpenAI has no per-key disable: Tollgate holds the PROJECT's hard spend limit down, so the
// keys of one project share one limit. Pauses and resumes of those keys run concurrently in
// the worker (enforcement concurrency 8); these tests run them with Promise.all.

let oa: FakeOpenAI;
beforeAll(async () => {
  oa = await startFakeOpenAI({ seed: 81 });
});
afterAll(async () => {
  await oa.close();
});

async function projectWithKeys(n: number, customerLimitCents: number | null) {
  const { org, workspace, ctx } = await createOrg();
  const project = oa.state.createProject({ name: "prod", spendLimitCents: customerLimitCents });
  const conn = await makeConnection(org.id, "openai", oa.url, oa.state.adminKey);
  const keys = [];
  const fakes = [];
  for (let i = 0; i < n; i++) {
    const k = oa.state.createApiKey(project.id, { name: `svc-${i}` });
    fakes.push(k);
    keys.push(await makeKey(org.id, { connectionId: conn.id, provider: "openai", providerKeyId: k.id, providerProjectId: project.id, workspaceId: workspace.id, label: `svc-${i}` }));
  }
  oa.state.record({ projectId: project.id, apiKeyId: fakes[0]!.id, userId: null, model: "gpt-4o", inputTokens: 100_000, outputTokens: 10_000 });
  const mtd = oa.state.projectSpendMicros(project.id);
  const budget = await makeBudget(org.id, { amountMicros: 300_000n, mode: "hard", scope: "org", providerFilter: "openai", thresholds: [100] });
  await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: mtd, providerKeyId: keys[0]!.id }]);
  return { org, ctx, project, conn, keys, budget, mtdCents: Math.ceil(Number(mtd) / 10_000) };
}

const limitOf = (projectId: string) => oa.state.projects.get(projectId)!.spendLimitCents;
const raise = (ctx: Awaited<ReturnType<typeof createOrg>>["ctx"], budgetId: string) =>
  updateBudget(ctx, { name: "Hard", scope: "org", providerFilter: "openai", period: "daily", amountUsd: "100", thresholds: [100], mode: "hard", syncKeyLimits: false, paceAlerts: false, budgetId });

describe("OpenAI project limits under concurrent pauses and resumes", () => {
  for (const customer of [5000, null]) {
    it(`concurrent pauses store the customer's own limit (${customer ?? "none"}) once, and concurrent resumes restore exactly it`, async () => {
      const s = await projectWithKeys(6, customer);
      const r = await evaluateBudget(s.org.id, s.budget.id);
      expect(r!.newPauses).toHaveLength(6);
      // Staggered starts, so some pauses begin while another is between "limit set" and "confirmed".
      const paused = await Promise.all(r!.newPauses.map((id, i) => new Promise((ok) => setTimeout(ok, i * 15)).then(() => applyAction(id))));
      expect(paused.map((p) => p.status)).toEqual(Array(6).fill("confirmed"));
      expect(limitOf(s.project.id)).toBe(s.mtdCents);
      // Never Tollgate's own limit as the customer's "previous" one.
      const actions = await prisma.enforcementAction.findMany({ where: { id: { in: r!.newPauses } } });
      expect(actions.map((a) => (a.details as { previousLimitCents: number | null }).previousLimitCents)).toEqual(Array(6).fill(customer));

      await raise(s.ctx, s.budget.id);
      expect((await evaluateBudget(s.org.id, s.budget.id))!.resumed).toBe(6);
      const resumes = await prisma.enforcementAction.findMany({ where: { orgId: s.org.id, action: "resume" } });
      const results = await Promise.all(resumes.map((a) => applyAction(a.id)));
      expect(results.map((x) => x.status)).toEqual(Array(6).fill("confirmed"));
      const outcomes = (await prisma.enforcementAction.findMany({ where: { orgId: s.org.id, action: "resume" } })).map((a) => (a.details as { outcome: string }).outcome).sort();
      expect(outcomes).toEqual(["applied", "kept", "kept", "kept", "kept", "kept"]);
      expect(limitOf(s.project.id)).toBe(customer);
      expect(await prisma.providerKey.count({ where: { orgId: s.org.id, pausedByTollgate: true } })).toBe(0);
    });
  }
});
