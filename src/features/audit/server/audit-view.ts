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
  const [keys, ws, tags, conns, budgets, members, invitations, ingestTokens, apiTokens, schedules, prices, exports, alerts, orgs] = await Promise.all([
    prisma.providerKey.findMany({ where: { orgId: o, id: { in: ids("provider_key") } }, select: { id: true, label: true } }),
    prisma.workspace.findMany({ where: { orgId: o, id: { in: ids("workspace") } }, select: { id: true, name: true } }),
    prisma.projectTag.findMany({ where: { workspace: { orgId: o }, id: { in: ids("project_tag") } }, select: { id: true, slug: true } }),
    prisma.providerConnection.findMany({ where: { orgId: o, id: { in: ids("connection") } }, select: { id: true, name: true } }),
    prisma.budget.findMany({ where: { orgId: o, id: { in: ids("budget") } }, select: { id: true, name: true } }),
    prisma.membership.findMany({ where: { orgId: o, id: { in: ids("membership") } }, select: { id: true, user: { select: { email: true } } } }),
    prisma.invitation.findMany({ where: { orgId: o, id: { in: ids("invitation") } }, select: { id: true, email: true } }),
    prisma.ingestToken.findMany({ where: { orgId: o, id: { in: ids("ingest_token") } }, select: { id: true, name: true, prefix: true } }),
    prisma.apiToken.findMany({ where: { orgId: o, id: { in: ids("api_token") } }, select: { id: true, name: true, prefix: true } }),
    prisma.reportSchedule.findMany({ where: { orgId: o, id: { in: ids("report_schedule") } }, select: { id: true, name: true } }),
    prisma.priceOverride.findMany({ where: { orgId: o, id: { in: ids("price_override") } }, select: { id: true, provider: true, model: true } }),
    prisma.export.findMany({ where: { orgId: o, id: { in: ids("export") } }, select: { id: true, shape: true, format: true } }),
    prisma.alert.findMany({ where: { orgId: o, id: { in: ids("alert") } }, select: { id: true, title: true } }),
    // An org entry names the org itself; an id of another org is never looked up.
    prisma.org.findMany({ where: { id: { in: ids("org").filter((id) => id === o) } }, select: { id: true, name: true } }),
  ]);
  return new Map<string, string>([
    ...keys.map((k) => [k.id, k.label] as [string, string]),
    ...ws.map((w) => [w.id, w.name] as [string, string]),
    ...tags.map((t) => [t.id, t.slug] as [string, string]),
    ...conns.map((c) => [c.id, c.name] as [string, string]),
    ...budgets.map((b) => [b.id, b.name] as [string, string]),
    ...members.map((m) => [m.id, m.user.email] as [string, string]),
    ...invitations.map((i) => [i.id, i.email] as [string, string]),
    ...ingestTokens.map((t) => [t.id, `${t.name} (${t.prefix}…)`] as [string, string]),
    ...apiTokens.map((t) => [t.id, `${t.name} (${t.prefix}…)`] as [string, string]),
    ...schedules.map((s) => [s.id, s.name] as [string, string]),
    ...prices.map((p) => [p.id, `${p.provider} ${p.model}`] as [string, string]),
    ...exports.map((e) => [e.id, `${e.shape} ${e.format}`] as [string, string]),
    ...alerts.map((a) => [a.id, a.title] as [string, string]),
    ...orgs.map((g) => [g.id, g.name] as [string, string]),
  ]);
}

/**
 * What an audit entry's target is called when the thing is gone (or its label was not looked
 * up): the name the entry itself recorded in its before/after snapshot, else a short id, and
 * "(deleted)" when the lookup found nothing.
 */
export function auditTargetLabel(labels: Map<string, string>, e: { targetId: string | null; before: unknown; after: unknown }): string {
  if (!e.targetId) return "";
  const live = labels.get(e.targetId);
  if (live !== undefined) return live;
  for (const snap of [e.before, e.after]) {
    if (!snap || typeof snap !== "object" || Array.isArray(snap)) continue;
    const r = snap as Record<string, unknown>;
    for (const f of ["name", "label", "email", "slug", "title", "model"]) {
      const v = r[f];
      if (typeof v === "string" && v.trim()) return `${v.trim().slice(0, 120)} (deleted)`;
    }
  }
  return `${e.targetId.slice(0, 10)}… (deleted)`;
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
