import { z } from "zod";
import { prisma } from "@/server/db";
import { requirePermission, type TenantContext } from "@/server/tenant";

/** Audit page filters (from the URL); a bad value is dropped, never an error. */
export const AuditFilters = z.object({
  actor: z.string().trim().max(200).optional().catch(undefined),
  action: z.string().trim().max(100).optional().catch(undefined),
  entity: z.string().trim().max(50).optional().catch(undefined),
  cursor: z.string().regex(/^[a-z0-9]{1,64}$/i).optional().catch(undefined),
});
export type AuditFilters = z.infer<typeof AuditFilters>;

/** One page of the org's audit log, filtered by actor (label contains), action (prefix) and entity type. */
export async function listAuditFiltered(ctx: TenantContext, f: AuditFilters, take = 50) {
  requirePermission(ctx, "audit:read");
  return prisma.auditLog.findMany({
    where: {
      orgId: ctx.orgId,
      ...(f.actor ? { actorLabel: { contains: f.actor, mode: "insensitive" as const } } : {}),
      ...(f.action ? { action: { startsWith: f.action } } : {}),
      ...(f.entity ? { targetType: f.entity } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(take, 200),
    ...(f.cursor ? { cursor: { id: f.cursor }, skip: 1 } : {}),
  });
}

/** Distinct actions and entity types of the org (filter choices). */
export async function auditFacets(ctx: TenantContext) {
  requirePermission(ctx, "audit:read");
  const [actions, entities] = await Promise.all([
    prisma.auditLog.findMany({ where: { orgId: ctx.orgId }, distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
    prisma.auditLog.findMany({ where: { orgId: ctx.orgId }, distinct: ["targetType"], select: { targetType: true }, orderBy: { targetType: "asc" } }),
  ]);
  return { actions: actions.map((a) => a.action), entities: entities.map((e) => e.targetType) };
}

/** Labels for audit targets, looked up inside the org ("key sk-…" rather than a cuid). */
export async function auditTargetLabels(ctx: TenantContext, rows: { targetType: string; targetId: string | null }[]): Promise<Map<string, string>> {
  const ids = (t: string) => [...new Set(rows.filter((r) => r.targetType === t && r.targetId).map((r) => r.targetId!))];
  const o = ctx.orgId;
  const [keys, ws, tags, conns, budgets, members] = await Promise.all([
    prisma.providerKey.findMany({ where: { orgId: o, id: { in: ids("provider_key") } }, select: { id: true, label: true } }),
    prisma.workspace.findMany({ where: { orgId: o, id: { in: ids("workspace") } }, select: { id: true, name: true } }),
    prisma.projectTag.findMany({ where: { workspace: { orgId: o }, id: { in: ids("project_tag") } }, select: { id: true, slug: true } }),
    prisma.providerConnection.findMany({ where: { orgId: o, id: { in: ids("connection") } }, select: { id: true, name: true } }),
    prisma.budget.findMany({ where: { orgId: o, id: { in: ids("budget") } }, select: { id: true, name: true } }),
    prisma.membership.findMany({ where: { orgId: o, id: { in: ids("membership") } }, select: { id: true, user: { select: { email: true } } } }),
  ]);
  return new Map<string, string>([
    ...keys.map((k) => [k.id, k.label] as [string, string]),
    ...ws.map((w) => [w.id, w.name] as [string, string]),
    ...tags.map((t) => [t.id, t.slug] as [string, string]),
    ...conns.map((c) => [c.id, c.name] as [string, string]),
    ...budgets.map((b) => [b.id, b.name] as [string, string]),
    ...members.map((m) => [m.id, m.user.email] as [string, string]),
  ]);
}

export type FieldChange = { field: string; before: string; after: string };

const show = (v: unknown) => (v === undefined ? "—" : v === null ? "none" : typeof v === "string" ? v : JSON.stringify(v));

/** Before/after as the fields that changed (all fields for a create or a delete). */
export function auditDiff(before: unknown, after: unknown): FieldChange[] {
  const obj = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : v === null || v === undefined ? {} : { value: v });
  const b = obj(before);
  const a = obj(after);
  const out: FieldChange[] = [];
  for (const field of [...new Set([...Object.keys(b), ...Object.keys(a)])]) {
    if (JSON.stringify(b[field]) === JSON.stringify(a[field])) continue;
    out.push({ field, before: field in b ? show(b[field]) : "—", after: field in a ? show(a[field]) : "—" });
  }
  return out;
}
