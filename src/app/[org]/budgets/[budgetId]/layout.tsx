import type { ReactNode } from "react";
import { requireOrgRow } from "@/server/next/page-row";

// Resolves the budget above this segment's loading.tsx, so an id outside the org is an HTTP 404 (see page-row.ts).
export default async function Layout({ children, params }: { children: ReactNode; params: Promise<{ org: string; budgetId: string }> }) {
  const { org, budgetId } = await params;
  await requireOrgRow(org, "budgets:read", "budget", budgetId);
  return children;
}
