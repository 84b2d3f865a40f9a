import type { ReactNode } from "react";
import { requireOrgRow } from "@/server/next/page-row";

// Resolves the workspace above this segment's loading.tsx, so an id outside the org is an HTTP 404 (see page-row.ts).
export default async function Layout({ children, params }: { children: ReactNode; params: Promise<{ org: string; workspaceId: string }> }) {
  const { org, workspaceId } = await params;
  await requireOrgRow(org, "workspaces:read", "workspace", workspaceId);
  return children;
}
