import type { Alert, Budget } from "@/generated/prisma/client";
import type { Role } from "@/generated/prisma/enums";
import { prisma } from "@/server/db";

const ADMIN_ROLES: Role[] = ["owner", "admin"];

async function emailsOfRoles(orgId: string, roles: Role[]): Promise<string[]> {
  if (roles.length === 0) return [];
  const rows = await prisma.membership.findMany({ where: { orgId, role: { in: roles } }, select: { user: { select: { email: true } } } });
  return rows.map((r) => r.user.email);
}

/**
 * Who gets an alert's email. Budget alerts (and pauses a budget caused) go to the budget's
 * recipients: its emails, the members holding its roles, and the project tag's owner when
 * asked; a budget with no recipients at all falls back to the org's owners and admins, so
 * a crossing is never silent. Other alerts go to owners and admins.
 */
export async function recipientsFor(alert: Pick<Alert, "orgId" | "budgetId">, preloaded?: Budget | null): Promise<string[]> {
  const out = new Set<string>();
  const budget =
    preloaded !== undefined ? preloaded : alert.budgetId ? await prisma.budget.findFirst({ where: { id: alert.budgetId, orgId: alert.orgId } }) : null;
  if (budget) {
    for (const e of budget.recipientEmails) out.add(e.toLowerCase());
    for (const e of await emailsOfRoles(alert.orgId, budget.recipientRoles)) out.add(e.toLowerCase());
    if (budget.notifyProjectOwner && budget.projectTagId) {
      const tag = await prisma.projectTag.findFirst({
        where: { id: budget.projectTagId, orgId: alert.orgId },
        select: { owner: { select: { email: true } } },
      });
      if (tag?.owner) out.add(tag.owner.email.toLowerCase());
    }
  }
  if (out.size === 0) for (const e of await emailsOfRoles(alert.orgId, ADMIN_ROLES)) out.add(e.toLowerCase());
  return [...out].sort();
}

