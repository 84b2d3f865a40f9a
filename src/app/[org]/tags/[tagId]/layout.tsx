import type { ReactNode } from "react";
import { requireOrgRow } from "@/server/next/page-row";

// Resolves the project tag above this segment's loading.tsx, so an id outside the org is an HTTP 404 (see page-row.ts).
export default async function Layout({ children, params }: { children: ReactNode; params: Promise<{ org: string; tagId: string }> }) {
  const { org, tagId } = await params;
  await requireOrgRow(org, "workspaces:read", "projectTag", tagId);
  return children;
}
