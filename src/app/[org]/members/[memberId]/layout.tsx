import type { ReactNode } from "react";
import { requireOrgRow } from "@/server/next/page-row";

// Resolves the member above this segment's loading.tsx, so an id outside the org is an HTTP 404 (see page-row.ts).
export default async function Layout({ children, params }: { children: ReactNode; params: Promise<{ org: string; memberId: string }> }) {
  const { org, memberId } = await params;
  await requireOrgRow(org, "members:read", "member", memberId);
  return children;
}
