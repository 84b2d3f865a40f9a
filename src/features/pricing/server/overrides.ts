import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { usdToMicros } from "@/lib/money";
import { writeAudit } from "@/features/audit/server/audit";
import type { PriceOverrideInput } from "../schemas";
import { invalidatePrices } from "./catalog";

/** Per-org prices that win over the catalog (negotiated rates, models the catalog lacks). */
export async function listPriceOverrides(ctx: TenantContext) {
  return prisma.priceOverride.findMany({ where: { orgId: ctx.orgId }, orderBy: [{ provider: "asc" }, { model: "asc" }] });
}

export async function setPriceOverride(ctx: TenantContext, input: PriceOverrideInput) {
  requirePermission(ctx, "pricing:write");
  const opt = (v: string | null | undefined) => (v ? usdToMicros(v) : null);
  const data = {
    promptPerMTok: usdToMicros(input.prompt),
    completionPerMTok: usdToMicros(input.completion),
    cacheReadPerMTok: opt(input.cacheRead),
    cacheWritePerMTok: opt(input.cacheWrite),
    reasoningPerMTok: opt(input.reasoning),
    perRequest: input.perRequest ? usdToMicros(input.perRequest) : 0n,
  };
  const before = await prisma.priceOverride.findUnique({ where: { orgId_provider_model: { orgId: ctx.orgId, provider: input.provider, model: input.model } } });
  const row = await prisma.priceOverride.upsert({
    where: { orgId_provider_model: { orgId: ctx.orgId, provider: input.provider, model: input.model } },
    create: { orgId: ctx.orgId, provider: input.provider, model: input.model, ...data },
    update: data,
  });
  await writeAudit(ctx, { action: "price_override.set", targetType: "price_override", targetId: row.id, before, after: row });
  invalidatePrices(ctx.orgId);
  return row;
}

export async function deletePriceOverride(ctx: TenantContext, id: string) {
  requirePermission(ctx, "pricing:write");
  const row = await prisma.priceOverride.findFirst({ where: { id, orgId: ctx.orgId } });
  if (!row) throw notFound("Price override not found");
  await prisma.priceOverride.delete({ where: { id: row.id } });
  await writeAudit(ctx, { action: "price_override.deleted", targetType: "price_override", targetId: row.id, before: row });
  invalidatePrices(ctx.orgId);
}
