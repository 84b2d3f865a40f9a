import type { Budget, Prisma } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { AppError, badRequest, notFound, zodIssues, type Issue } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { usdToMicros } from "@/lib/money";
import { periodBounds } from "@/lib/periods";
import { BudgetInput, UpdateBudgetInput, maskWebhookUrl, type BudgetIdInput } from "../schemas";
import { PG_TEXT } from "@/lib/form-schemas";
import { PROVIDER_LABELS } from "@/features/providers/registry";
import { OutboundUrlError, checkUrlShape } from "@/server/outbound";
import { budgetStatus, statusFromSpend, type BudgetStatus } from "./status";
import { spendInRange } from "./spend";
import { supersedeClaims } from "./rearm";
import { invalidateBudgetCache, scheduleEvaluation } from "./triggers";
import { scheduleLimitSync } from "./evaluate";
import { releaseKeysOfBudget } from "@/features/enforcement/server/release";

/** A budget as the UI and the REST API see it (money as exact decimal strings + micros). */
export type BudgetView = ReturnType<typeof toView>;

function toView(b: Budget, status?: BudgetStatus) {
  return {
    id: b.id,
    name: b.name,
    scope: b.scope,
    workspaceId: b.workspaceId,
    projectTagId: b.projectTagId,
    providerKeyId: b.providerKeyId,
    memberId: b.memberId,
    providerFilter: b.providerFilter,
    modelFilter: b.modelFilter,
    period: b.period,
    amountMicros: b.amountMicros.toString(),
    amountUsd: microsToUsdString(b.amountMicros),
    thresholds: b.thresholds,
    mode: b.mode,
    recipientEmails: b.recipientEmails,
    recipientRoles: b.recipientRoles,
    notifyProjectOwner: b.notifyProjectOwner,
    // Masked for everyone (a secret); the stored URL is read only by delivery.
    webhookUrl: maskWebhookUrl(b.webhookUrl),
    syncKeyLimits: b.syncKeyLimits,
    paceAlerts: b.paceAlerts,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
    status: status
      ? {
          periodStart: status.bounds.start.toISOString(),
          periodEnd: b.period === "lifetime" ? null : status.bounds.end.toISOString(),
          spendMicros: status.spendMicros.toString(),
          percent: status.percent,
          timeLeftMs: status.timeLeftMs,
          projectedMicros: status.projectedMicros?.toString() ?? null,
        }
      : undefined,
  };
}

function microsToUsdString(m: bigint): string {
  const whole = m / 1_000_000n;
  const frac = (m % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}

async function findBudget(ctx: TenantContext, budgetId: string): Promise<Budget> {
  // A REST path id is not validated by a schema; PostgreSQL refuses a NUL byte in a query (a 500).
  if (!PG_TEXT.test(budgetId)) throw notFound("Budget not found");
  const b = await prisma.budget.findFirst({ where: { id: budgetId, orgId: ctx.orgId } });
  if (!b) throw notFound("Budget not found");
  return b;
}

/**
 * The scope ids must name rows of this org (a foreign id is "not found" → 400 on the field).
 * Returns the columns to store: ids the scope doesn't use are cleared; a project tag brings
 * its workspace along for display.
 */
async function resolveScope(ctx: TenantContext, input: BudgetInput) {
  const issues: Issue[] = [];
  const out = { workspaceId: null as string | null, projectTagId: null as string | null, providerKeyId: null as string | null, memberId: null as string | null };
  const orgId = ctx.orgId;
  if (input.scope === "workspace" || input.scope === "member") {
    const ws = await prisma.workspace.findFirst({ where: { id: input.workspaceId!, orgId }, select: { id: true } });
    if (!ws) issues.push({ path: "workspaceId", message: "Choose a workspace of this organization" });
    else out.workspaceId = ws.id;
  }
  if (input.scope === "project") {
    const tag = await prisma.projectTag.findFirst({ where: { id: input.projectTagId!, orgId }, select: { id: true, workspaceId: true } });
    if (!tag) issues.push({ path: "projectTagId", message: "Choose a project tag of this organization" });
    else Object.assign(out, { projectTagId: tag.id, workspaceId: tag.workspaceId });
  }
  if (input.scope === "key") {
    const key = await prisma.providerKey.findFirst({ where: { id: input.providerKeyId!, orgId }, select: { id: true, provider: true } });
    if (!key) issues.push({ path: "providerKeyId", message: "Choose a provider key of this organization" });
    else out.providerKeyId = key.id;
    // A key spends with one provider only: another provider's filter would match nothing, ever.
    if (key && input.providerFilter && input.providerFilter !== key.provider) {
      issues.push({ path: "providerFilter", message: `This key spends with ${PROVIDER_LABELS[key.provider]} only; filter by ${PROVIDER_LABELS[key.provider]} or any provider` });
    }
  }
  if (input.scope === "member") {
    const m = await prisma.membership.findFirst({ where: { userId: input.memberId!, orgId }, select: { userId: true } });
    if (!m) issues.push({ path: "memberId", message: "Choose a member of this organization" });
    else out.memberId = m.userId;
  }
  if (issues.length) throw badRequest(issues[0]!.message, issues);
  return out;
}

/**
 * Holds the budget's workspace and project tag (FOR SHARE) for the writing transaction, so a
 * delete of either, which counts the budgets on it after locking the row, either sees this
 * budget or has already removed the row (then the scope field is refused, like a foreign id).
 */
async function lockScope(tx: Prisma.TransactionClient, scopeIds: { workspaceId: string | null; projectTagId: string | null }) {
  if (scopeIds.workspaceId) {
    const ws = await tx.$queryRaw<unknown[]>`SELECT id FROM workspaces WHERE id = ${scopeIds.workspaceId} FOR SHARE`;
    if (ws.length === 0) throw badRequest("Choose a workspace of this organization", [{ path: "workspaceId", message: "Choose a workspace of this organization" }]);
  }
  if (scopeIds.projectTagId) {
    const tag = await tx.$queryRaw<unknown[]>`SELECT id FROM project_tags WHERE id = ${scopeIds.projectTagId} FOR SHARE`;
    if (tag.length === 0) throw badRequest("Choose a project tag of this organization", [{ path: "projectTagId", message: "Choose a project tag of this organization" }]);
  }
}

/**
 * The masked form sent back means "keep the stored URL". A new URL must not name a private,
 * link-local or metadata address (the worker POSTs to it; checked again at delivery after DNS).
 */
function resolveWebhook(input: BudgetInput, stored: string | null): string | null {
  if (input.webhookUrl && stored && input.webhookUrl === maskWebhookUrl(stored)) return stored;
  if (input.webhookUrl) {
    try {
      checkUrlShape(input.webhookUrl, "webhook");
    } catch (e) {
      if (e instanceof OutboundUrlError) throw badRequest(e.message, [{ path: "webhookUrl", message: e.message }]);
      throw e;
    }
  }
  return input.webhookUrl;
}

function dataFrom(input: BudgetInput, scopeIds: Awaited<ReturnType<typeof resolveScope>>) {
  return {
    name: input.name,
    scope: input.scope,
    ...scopeIds,
    providerFilter: input.providerFilter,
    modelFilter: input.modelFilter,
    period: input.period,
    amountMicros: usdToMicros(input.amountUsd),
    thresholds: input.thresholds,
    mode: input.mode,
    recipientEmails: [...new Set(input.recipientEmails)],
    recipientRoles: [...new Set(input.recipientRoles)],
    notifyProjectOwner: input.notifyProjectOwner,
    webhookUrl: input.webhookUrl,
    syncKeyLimits: input.syncKeyLimits,
    paceAlerts: input.paceAlerts,
  };
}

export async function listBudgets(ctx: TenantContext, now = new Date()) {
  requirePermission(ctx, "budgets:read");
  const rows = await prisma.budget.findMany({ where: { orgId: ctx.orgId }, orderBy: [{ createdAt: "asc" }] });
  return Promise.all(rows.map(async (b) => toView(b, await budgetStatus(b, ctx.timeZone, now))));
}

export async function getBudget(ctx: TenantContext, input: BudgetIdInput, now = new Date()) {
  requirePermission(ctx, "budgets:read");
  const b = await findBudget(ctx, input.budgetId);
  return toView(b, await budgetStatus(b, ctx.timeZone, now));
}

export async function createBudget(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "budgets:write");
  const input = parse(BudgetInput, raw);
  input.webhookUrl = resolveWebhook(input, null);
  const scopeIds = await resolveScope(ctx, input);
  const budget = await prisma.$transaction(async (tx) => {
    await lockScope(tx, scopeIds);
    const b = await tx.budget.create({ data: { orgId: ctx.orgId, createdById: ctx.userId, ...dataFrom(input, scopeIds) } });
    await writeAudit(ctx, { action: "budget.created", targetType: "budget", targetId: b.id, after: toView(b) }, tx);
    return b;
  });
  afterChange(ctx, budget.id);
  return toView(budget);
}

/** Full replacement (the form sends every field). Claims no longer met are re-armed. */
export async function updateBudget(ctx: TenantContext, raw: unknown, now = new Date()) {
  requirePermission(ctx, "budgets:write");
  const input = parse(UpdateBudgetInput, raw);
  const before = await findBudget(ctx, input.budgetId);
  input.webhookUrl = resolveWebhook(input, before.webhookUrl);
  const scopeIds = await resolveScope(ctx, input);
  const data = dataFrom(input, scopeIds);
  // Spend under the NEW definition decides which claims of the current period still hold.
  const next = { ...before, ...data } as Budget;
  const bounds = periodBounds(next.period, ctx.timeZone, now);
  const spend = await spendInRange(next, bounds.start, bounds.end);
  const status = statusFromSpend(next, bounds, spend, now);
  const { budget, rearmed } = await prisma.$transaction(async (tx) => {
    await lockScope(tx, scopeIds);
    const b = await tx.budget.update({ where: { id: before.id }, data });
    const rearmed = await supersedeClaims(tx, {
      orgId: ctx.orgId,
      budgetId: b.id,
      periodStart: bounds.start,
      spendMicros: spend,
      amountMicros: b.amountMicros,
      projectedMicros: status.projectedMicros,
    });
    await writeAudit(ctx, { action: "budget.updated", targetType: "budget", targetId: b.id, before: toView(before), after: { ...toView(b), rearmed } }, tx);
    return { budget: b, rearmed };
  });
  afterChange(ctx, budget.id);
  return { ...toView(budget, status), rearmed };
}

/** REST PATCH: merge a partial body into the stored budget, then validate the whole. */
export async function patchBudget(ctx: TenantContext, budgetId: string, patch: Record<string, unknown>, now = new Date()) {
  requirePermission(ctx, "budgets:write");
  const current = toView(await findBudget(ctx, budgetId));
  const { status: _s, createdAt: _c, updatedAt: _u, id: _i, amountMicros: _a, ...editable } = current;
  return updateBudget(ctx, { ...editable, ...patch, budgetId }, now);
}

export async function deleteBudget(ctx: TenantContext, input: BudgetIdInput) {
  requirePermission(ctx, "budgets:write");
  const before = await findBudget(ctx, input.budgetId);
  await prisma.$transaction(async (tx) => {
    await tx.budget.delete({ where: { id: before.id } });
    await writeAudit(ctx, { action: "budget.deleted", targetType: "budget", targetId: before.id, before: toView(before) }, tx);
  });
  invalidateBudgetCache(ctx.orgId);
  // Keys this budget paused are resumed (unless another budget still holds them), and key
  // limits it was keeping low are recomputed.
  await releaseKeysOfBudget(ctx, before.id, `Budget "${before.name}" was deleted`);
  await scheduleLimitSync(ctx.orgId, before.id, { afterEdit: true });
  return { id: before.id, deleted: true };
}

function afterChange(ctx: TenantContext, budgetId: string) {
  invalidateBudgetCache(ctx.orgId);
  // Evaluate right away: a lowered amount may cross now, a raised one may resume keys. The
  // limit sync also gives keys their own limit back if the budget stopped being hard/synced.
  void scheduleEvaluation(ctx.orgId, budgetId, { immediate: true });
  void scheduleLimitSync(ctx.orgId, budgetId, { afterEdit: true });
}

function parse<T>(schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = zodIssues(r.error);
    throw new AppError(400, "bad_request", issues[0]?.message ?? "Invalid budget", issues);
  }
  return r.data;
}
