import "server-only";
import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import type { TenantContext } from "@/server/tenant";

/** The workspace's name, 404 when it is not this org's. */
export async function getWorkspaceName(ctx: TenantContext, workspaceId: string): Promise<string> {
  const ws = await prisma.workspace.findFirst({ where: { id: workspaceId, orgId: ctx.orgId }, select: { name: true } });
  if (!ws) throw notFound("Workspace not found");
  return ws.name;
}
