import { withTokenRoute } from "@/server/next/gate";
import { getExport } from "@/features/exports/server/exports";

export const dynamic = "force-dynamic";

/** One export's status and progress. */
export const GET = withTokenRoute<{ exportId: string }>("reports:read", async (_req, ctx, p) => ({ data: await getExport(ctx, { exportId: p.exportId }) }));
