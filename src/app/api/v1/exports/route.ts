import { jsonResponse, withTokenRoute } from "@/server/next/gate";
import { jsonBody } from "@/server/next/downloads";
import { createExport, listExports } from "@/features/exports/server/exports";

export const dynamic = "force-dynamic";

/** GET: the org's exports of the last 7 days. POST: start one (runs in the background). */
export const GET = withTokenRoute("reports:read", async (_req, ctx) => ({ data: await listExports(ctx) }));

export const POST = withTokenRoute("reports:read", async (req, ctx) => jsonResponse({ data: await createExport(ctx, await jsonBody(req)) }, { status: 202 }));
