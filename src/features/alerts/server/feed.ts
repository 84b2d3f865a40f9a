import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { usdToMicros } from "@/lib/money";
import { PG_TEXT } from "@/lib/form-schemas";
import { AlertFeedFilter, type AcknowledgeAlertInput, type AnomalySettingsInput } from "../schemas";

export type AlertView = Awaited<ReturnType<typeof listAlerts>>["items"][number];

/** The in-app alert feed, newest first; money as strings for the client. */
export async function listAlerts(ctx: TenantContext, filter: AlertFeedFilter = {}) {
  requirePermission(ctx, "alerts:read");
  const f = AlertFeedFilter.parse(filter);
  // The cursor comes from the page URL; one no alert id could be (PostgreSQL would refuse it in
  // the query) is dropped like a missing one.
  if (f.cursor && !PG_TEXT.test(f.cursor)) f.cursor = undefined;
  const rows = await prisma.alert.findMany({
    where: { orgId: ctx.orgId, ...(f.onlyOpen ? { acknowledgedAt: null } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: f.take + 1,
    ...(f.cursor ? { cursor: { id: f.cursor }, skip: 1 } : {}),
  });
  const ackers = await prisma.user.findMany({
    where: { id: { in: rows.map((r) => r.acknowledgedById).filter((x): x is string => !!x) }, memberships: { some: { orgId: ctx.orgId } } },
    select: { id: true, email: true },
  });
  const ackBy = new Map(ackers.map((u) => [u.id, u.email]));
  const items = rows.slice(0, f.take).map((a) => ({
    id: a.id,
    kind: a.kind,
    title: a.title,
    budgetId: a.budgetId,
    threshold: a.threshold,
    subjectType: a.subjectType,
    subjectId: a.subjectId,
    spendMicros: a.spendMicros?.toString() ?? null,
    limitMicros: a.limitMicros?.toString() ?? null,
    emailStatus: a.emailStatus,
    emailError: a.emailError,
    webhookStatus: a.webhookStatus,
    webhookError: a.webhookError,
    superseded: a.dedupeKey.includes(":superseded:"),
    acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: a.acknowledgedById ? (ackBy.get(a.acknowledgedById) ?? "former member") : null,
    createdAt: a.createdAt.toISOString(),
  }));
  return { items, nextCursor: rows.length > f.take ? items[items.length - 1]!.id : null };
}

export async function countOpenAlerts(ctx: TenantContext): Promise<number> {
  requirePermission(ctx, "alerts:read");
  return prisma.alert.count({ where: { orgId: ctx.orgId, acknowledgedAt: null } });
}

export async function acknowledgeAlert(ctx: TenantContext, input: AcknowledgeAlertInput) {
  requirePermission(ctx, "alerts:write");
  const alert = await prisma.alert.findFirst({ where: { id: input.alertId, orgId: ctx.orgId } });
  if (!alert) throw notFound("Alert not found");
  if (alert.acknowledgedAt) return { id: alert.id, acknowledgedAt: alert.acknowledgedAt.toISOString() };
  const now = new Date();
  await prisma.$transaction(async (tx) => {
    await tx.alert.update({ where: { id: alert.id }, data: { acknowledgedAt: now, acknowledgedById: ctx.userId } });
    await writeAudit(ctx, { action: "alert.acknowledged", targetType: "alert", targetId: alert.id, before: { acknowledgedAt: null }, after: { acknowledgedAt: now } }, tx);
  });
  return { id: alert.id, acknowledgedAt: now.toISOString() };
}

export async function getAnomalySettings(ctx: TenantContext) {
  requirePermission(ctx, "alerts:read");
  const org = await prisma.org.findUnique({ where: { id: ctx.orgId }, select: { anomalyMinSpendMicros: true, anomalyAutoPause: true } });
  if (!org) throw notFound("Organization not found");
  return { anomalyMinSpendMicros: org.anomalyMinSpendMicros.toString(), anomalyAutoPause: org.anomalyAutoPause };
}

export async function updateAnomalySettings(ctx: TenantContext, input: AnomalySettingsInput) {
  requirePermission(ctx, "alerts:write");
  const before = await getAnomalySettings(ctx);
  const data = { anomalyMinSpendMicros: usdToMicros(input.anomalyMinSpendUsd), anomalyAutoPause: input.anomalyAutoPause };
  await prisma.$transaction(async (tx) => {
    await tx.org.update({ where: { id: ctx.orgId }, data });
    await writeAudit(ctx, { action: "alerts.anomaly_settings_updated", targetType: "org", targetId: ctx.orgId, before, after: data }, tx);
  });
  return { anomalyMinSpendMicros: data.anomalyMinSpendMicros.toString(), anomalyAutoPause: data.anomalyAutoPause };
}
