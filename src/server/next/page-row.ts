import { notFound } from "next/navigation";
import { prisma } from "@/server/db";
import type { Permission } from "@/server/rbac";
import { getPageContextWith } from "./page-context";

/**
 * Existence checks for the rows an [id] segment names, scoped by the org like every query.
 * Deliberately cheap (one indexed lookup): they run in the segment's layout before the page.
 */
const ROWS = {
  budget: (orgId: string, id: string) => prisma.budget.findFirst({ where: { id, orgId }, select: { id: true } }),
  connection: (orgId: string, id: string) => prisma.providerConnection.findFirst({ where: { id, orgId }, select: { id: true } }),
  key: (orgId: string, id: string) => prisma.providerKey.findFirst({ where: { id, orgId }, select: { id: true } }),
  // A member's page is keyed by the user id (what usage is attributed to), not the membership id.
  member: (orgId: string, id: string) => prisma.membership.findFirst({ where: { userId: id, orgId }, select: { id: true } }),
  schedule: (orgId: string, id: string) => prisma.reportSchedule.findFirst({ where: { id, orgId }, select: { id: true } }),
  projectTag: (orgId: string, id: string) => prisma.projectTag.findFirst({ where: { id, orgId }, select: { id: true } }),
  workspace: (orgId: string, id: string) => prisma.workspace.findFirst({ where: { id, orgId }, select: { id: true } }),
} satisfies Record<string, (orgId: string, id: string) => Promise<{ id: string } | null>>;

/**
 * For the layout of an [id] segment: 404 unless the row is the org's and the member may read it.
 * Why a layout: a page under a loading.tsx starts streaming (status 200, fixed) before it runs, so
 * its own notFound() can only show the not-found UI. Layouts of the [id] segment render above
 * that segment's loading.tsx, and no loading.tsx may sit between them and the org layout (list
 * pages keep theirs in a route group, e.g. budgets/(list)/loading.tsx), so notFound() here is a
 * real 404. e2e/tenant-isolation-pages.spec.ts checks every id page over HTTP.
 */
export async function requireOrgRow(orgSlug: string, permission: Permission, kind: keyof typeof ROWS, id: string): Promise<void> {
  const ctx = await getPageContextWith(orgSlug, permission);
  // No row has an id with a NUL byte, and PostgreSQL would refuse it in the query (a 500).
  if (id.includes("\u0000") || !(await ROWS[kind](ctx.orgId, id))) notFound();
}
