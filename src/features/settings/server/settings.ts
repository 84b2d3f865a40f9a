import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { usdToMicros } from "@/lib/money";
import { writeAudit } from "@/features/audit/server/audit";
import type { OrgSettingsInput } from "../schemas";

const settingsSelect = {
  id: true,
  slug: true,
  name: true,
  timeZone: true,
  lowCreditRunwayHours: true,
  lowCreditBalanceMicros: true,
} as const;

const snapshot = (o: { name: string; timeZone: string; lowCreditRunwayHours: number; lowCreditBalanceMicros: bigint | null }) => ({
  name: o.name,
  timeZone: o.timeZone,
  lowCreditRunwayHours: o.lowCreditRunwayHours,
  lowCreditBalanceMicros: o.lowCreditBalanceMicros,
});

export async function getOrgSettings(ctx: TenantContext) {
  requirePermission(ctx, "org:read");
  const org = await prisma.org.findUnique({ where: { id: ctx.orgId }, select: settingsSelect });
  if (!org) throw notFound("Organization not found");
  return org;
}

/** Name, time zone (budget periods align to it) and the low-credit alert thresholds. */
export async function updateOrgSettings(ctx: TenantContext, input: OrgSettingsInput) {
  requirePermission(ctx, "org:write");
  const before = await getOrgSettings(ctx);
  const lowCreditBalanceMicros = input.lowCreditBalanceUsd === null ? null : usdToMicros(input.lowCreditBalanceUsd);
  return prisma.$transaction(async (tx) => {
    const org = await tx.org.update({
      where: { id: ctx.orgId },
      data: { name: input.name, timeZone: input.timeZone, lowCreditRunwayHours: input.lowCreditRunwayHours, lowCreditBalanceMicros },
      select: settingsSelect,
    });
    await writeAudit(ctx, { action: "org.settings_updated", targetType: "org", targetId: org.id, before: snapshot(before), after: snapshot(org) }, tx);
    return org;
  });
}
