import { prisma } from "@/server/db";
import type { TenantContext } from "@/server/tenant";

/** Project tags for the schedule form's filter (the org's own). */
export async function listScheduleTagOptions(ctx: TenantContext) {
  const tags = await prisma.projectTag.findMany({ where: { orgId: ctx.orgId }, select: { id: true, slug: true, workspace: { select: { name: true } } }, orderBy: { slug: "asc" } });
  return tags.map((t) => ({ value: t.id, label: `${t.workspace.name} / ${t.slug}` }));
}
