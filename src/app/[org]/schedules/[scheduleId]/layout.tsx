import type { ReactNode } from "react";
import { requireOrgRow } from "@/server/next/page-row";

// The edit page: resolves the schedule and the write permission before anything streams, so an
// id outside the org, or a member who may not edit schedules, gets an HTTP 404 (see page-row.ts).
export default async function Layout({ children, params }: { children: ReactNode; params: Promise<{ org: string; scheduleId: string }> }) {
  const { org, scheduleId } = await params;
  await requireOrgRow(org, "schedules:write", "schedule", scheduleId);
  return children;
}
