import type { Prisma, ReportSchedule } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { badRequest, forbidden, notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { ScheduleIdInput, ScheduleInput, ScheduleUpdateInput, type ScheduleFilters } from "../schemas";

/** Scheduled reports: CRUD. Sending lives in sweep.ts / deliver.ts. */

function view(s: ReportSchedule) {
  return {
    id: s.id,
    name: s.name,
    frequency: s.frequency,
    hour: s.hour,
    workspaceId: s.workspaceId,
    recipients: s.recipients,
    recipientRoles: s.recipientRoles,
    filters: s.filters as ScheduleFilters,
    enabled: s.enabled,
    lastSentAt: s.lastSentAt,
    createdAt: s.createdAt,
    createdById: s.createdById,
  };
}
export type ScheduleView = ReturnType<typeof view>;

/** Ids in the input must be the org's own: a foreign id is a field error, never a cross-org link. */
async function checkRefs(ctx: TenantContext, input: ScheduleInput) {
  if (input.workspaceId && !(await prisma.workspace.findFirst({ where: { id: input.workspaceId, orgId: ctx.orgId }, select: { id: true } }))) {
    throw badRequest("Unknown workspace", [{ path: "workspaceId", message: "Choose one of this organization's workspaces" }]);
  }
  const tagId = input.filters.projectTagId;
  if (tagId && !(await prisma.projectTag.findFirst({ where: { id: tagId, orgId: ctx.orgId, ...(input.workspaceId ? { workspaceId: input.workspaceId } : {}) }, select: { id: true } }))) {
    throw badRequest("Unknown project tag", [{ path: "filters.projectTagId", message: "Choose a project tag of this organization (and workspace)" }]);
  }
}

function data(input: ScheduleInput) {
  return {
    name: input.name,
    frequency: input.frequency,
    hour: input.hour,
    workspaceId: input.workspaceId,
    recipients: [...new Set(input.recipients.map((e) => e.toLowerCase()))],
    recipientRoles: [...new Set(input.recipientRoles)],
    filters: input.filters as Prisma.InputJsonValue,
    enabled: input.enabled,
  };
}

export async function listSchedules(ctx: TenantContext) {
  requirePermission(ctx, "schedules:read");
  const rows = await prisma.reportSchedule.findMany({ where: { orgId: ctx.orgId }, orderBy: { createdAt: "asc" } });
  return rows.map(view);
}

export async function getSchedule(ctx: TenantContext, scheduleId: string) {
  requirePermission(ctx, "schedules:read");
  const row = await prisma.reportSchedule.findFirst({ where: { id: scheduleId, orgId: ctx.orgId } });
  if (!row) throw notFound("Scheduled report not found");
  return row;
}

/** Admins manage any scheduled report; members only the ones they created (rbac.ts; the API-token rule). */
export function canManageSchedule(ctx: TenantContext, createdById: string | null): boolean {
  if (ctx.role === "system" || ctx.permissions.has("org:write")) return true;
  return ctx.permissions.has("schedules:write") && createdById !== null && createdById === ctx.userId;
}

/** The schedule, if this person may change, delete or send it: 404 for another org's, 403 for someone else's. */
export async function getManagedSchedule(ctx: TenantContext, scheduleId: string) {
  requirePermission(ctx, "schedules:write");
  const row = await getSchedule(ctx, scheduleId);
  if (!canManageSchedule(ctx, row.createdById)) throw forbidden("Only admins can change scheduled reports created by someone else");
  return row;
}

export async function createSchedule(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "schedules:write");
  const input = ScheduleInput.parse(raw);
  await checkRefs(ctx, input);
  const row = await prisma.reportSchedule.create({ data: { orgId: ctx.orgId, createdById: ctx.userId, ...data(input) } });
  await writeAudit(ctx, { action: "schedule.created", targetType: "report_schedule", targetId: row.id, after: view(row) });
  return view(row);
}

export async function updateSchedule(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "schedules:write");
  const { scheduleId, ...input } = ScheduleUpdateInput.parse(raw);
  const before = await getManagedSchedule(ctx, scheduleId);
  await checkRefs(ctx, input);
  const row = await prisma.reportSchedule.update({ where: { id: before.id }, data: data(input) });
  await writeAudit(ctx, { action: "schedule.updated", targetType: "report_schedule", targetId: row.id, before: view(before), after: view(row) });
  return view(row);
}

export async function deleteSchedule(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "schedules:write");
  const { scheduleId } = ScheduleIdInput.parse(raw);
  const before = await getManagedSchedule(ctx, scheduleId);
  await prisma.reportSchedule.delete({ where: { id: before.id } });
  await writeAudit(ctx, { action: "schedule.deleted", targetType: "report_schedule", targetId: before.id, before: view(before) });
  return { id: before.id };
}
