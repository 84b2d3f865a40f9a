import type { ReactNode } from "react";
import { requireOrgRow } from "@/server/next/page-row";

// Resolves the connection above this segment's loading.tsx, so an id outside the org is an HTTP 404 (see page-row.ts).
export default async function Layout({ children, params }: { children: ReactNode; params: Promise<{ org: string; connectionId: string }> }) {
  const { org, connectionId } = await params;
  await requireOrgRow(org, "connections:read", "connection", connectionId);
  return children;
}
