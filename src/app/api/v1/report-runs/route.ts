import { withTokenRoute } from "@/server/next/gate";
import { searchParamsObject } from "@/features/exports/server/report-api";
import { listRuns } from "@/features/schedules/server/runs";

export const dynamic = "force-dynamic";

/** Scheduled-report runs, newest first (optionally of one schedule). */
export const GET = withTokenRoute("schedules:read", async (req, ctx) => ({ data: await listRuns(ctx, searchParamsObject(new URL(req.url).searchParams)) }));
