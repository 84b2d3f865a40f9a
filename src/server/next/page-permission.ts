import type { ReactNode } from "react";
import type { Permission } from "@/server/rbac";
import { getPageContextWith } from "./page-context";

/**
 * The layout of a section whose pages need a permission (`export default permissionLayout("alerts:read")`).
 *
 * Why a layout and not the page: a page under a loading.tsx starts streaming (status 200, fixed)
 * before it runs, so its own notFound() only shows the not-found UI with a 200. A section's
 * layout renders above the section's loading.tsx, so a member who lacks the permission gets a
 * real HTTP 404, the same answer as a non-member or another org's id (pages never say 403:
 * Next's forbidden() is still experimental, and a 404 tells an outsider nothing). The page keeps
 * its own getPageContextWith call for its ctx (cached per request: one membership lookup).
 * Nested segments with a stricter permission add their own layout; no loading.tsx may sit between
 * it and this one (list pages keep theirs in a route group, e.g. budgets/(list)/loading.tsx).
 * e2e/tenant-isolation-pages.spec.ts checks every page's status for a viewer over HTTP.
 */
export function permissionLayout(permission: Permission) {
  return async function PermissionLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
    await getPageContextWith((await params).org, permission);
    return children;
  };
}
