import { withTokenRoute } from "@/server/next/gate";
import { fileResponse } from "@/server/next/downloads";
import { runCsv } from "@/features/schedules/server/runs";

export const dynamic = "force-dynamic";

/** The CSV a scheduled-report run attached. */
export const GET = withTokenRoute<{ runId: string }>("schedules:read", async (_req, ctx, p) => {
  const f = await runCsv(ctx, { runId: p.runId });
  return fileResponse(new Uint8Array(f.body), "text/csv; charset=utf-8", f.filename);
});
