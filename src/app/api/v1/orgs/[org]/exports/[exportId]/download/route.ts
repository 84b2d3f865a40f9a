import { withTenantRoute } from "@/server/next/gate";
import { fileResponse } from "@/server/next/downloads";
import { openExportDownload } from "@/features/exports/server/exports";

export const dynamic = "force-dynamic";

/** The export's file for a signed-in member (the exports page's download link). */
export const GET = withTenantRoute<{ org: string; exportId: string }>("reports:read", async (_req, ctx, p) => {
  const f = await openExportDownload(ctx, { exportId: p.exportId });
  return fileResponse(f.body, f.contentType, f.filename);
});
