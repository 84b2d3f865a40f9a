import { withTokenRoute } from "@/server/next/gate";
import { fileResponse } from "@/server/next/downloads";
import { openExportDownload } from "@/features/exports/server/exports";

export const dynamic = "force-dynamic";

/** The export's file, streamed chunk by chunk (409 until it is done). */
export const GET = withTokenRoute<{ exportId: string }>("reports:read", async (_req, ctx, p) => {
  const f = await openExportDownload(ctx, { exportId: p.exportId });
  return fileResponse(f.body, f.contentType, f.filename);
});
