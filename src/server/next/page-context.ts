import { cache } from "react";
import { notFound, redirect } from "next/navigation";
import { AppError } from "@/server/errors";
import { resolveTenant, type TenantContext } from "@/server/tenant";
import type { Permission } from "@/server/rbac";
import { getSessionUserId } from "./session";

/**
 * The tenant context for a page under /[org]. Resolved once per request (React `cache`),
 * so the layout and the page share one membership lookup. No session → sign-in, coming back
 * here afterwards; not a member (or no such org) → 404, never "forbidden".
 */
export const getPageContext = cache(async (orgSlug: string): Promise<TenantContext> => {
  const userId = await getSessionUserId();
  if (!userId) redirect(`/sign-in?callbackUrl=${encodeURIComponent(`/${orgSlug}`)}`);
  try {
    return await resolveTenant(userId, orgSlug);
  } catch (e) {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  }
});

/**
 * For pages that need more than membership: a member lacking the permission sees a 404 too.
 * Call it from the section's layout as well (page-permission.ts), or a page under a loading.tsx
 * answers that 404 with status 200.
 */
export async function getPageContextWith(orgSlug: string, permission: Permission): Promise<TenantContext> {
  const ctx = await getPageContext(orgSlug);
  if (ctx.role !== "system" && !ctx.permissions.has(permission)) notFound();
  return ctx;
}
