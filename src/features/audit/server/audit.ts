import type { TenantContext } from "@/server/tenant";
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/server/db";

type Tx = Pick<typeof prisma, "auditLog">;

/** JSON-safe copy: BigInt → string, secrets dropped. */
export function auditSnapshot(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(
    JSON.stringify(value, (k, v) => {
      if (/secret|password|tokenHash|ciphertext/i.test(k)) return undefined;
      return typeof v === "bigint" ? v.toString() : v;
    }),
  ) as Prisma.InputJsonValue;
}

export async function writeAudit(
  ctx: TenantContext,
  entry: { action: string; targetType: string; targetId?: string | null; before?: unknown; after?: unknown },
  db: Tx = prisma,
) {
  await db.auditLog.create({
    data: {
      orgId: ctx.orgId,
      actorUserId: ctx.userId,
      actorLabel: ctx.actorLabel,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      before: auditSnapshot(entry.before),
      after: auditSnapshot(entry.after),
    },
  });
}

export async function listAudit(ctx: TenantContext, opts: { take?: number; cursor?: string } = {}) {
  return prisma.auditLog.findMany({
    where: { orgId: ctx.orgId },
    // id breaks ties between entries written in the same millisecond, so pages never skip or repeat.
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(opts.take ?? 50, 200),
    ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
  });
}
