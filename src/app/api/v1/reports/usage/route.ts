import { withTokenRoute } from "@/server/next/gate";
import { reportUsagePage, searchParamsObject } from "@/features/exports/server/report-api";

export const dynamic = "force-dynamic";

/** The aggregated usage report for pipelines (org API token, scope reports:read). */
export const GET = withTokenRoute("reports:read", async (req, ctx) => {
  const page = await reportUsagePage(ctx, searchParamsObject(new URL(req.url).searchParams));
  const headers: Record<string, string> = { "content-type": page.contentType };
  if (page.nextCursor) {
    const next = new URL(req.url);
    next.searchParams.set("cursor", page.nextCursor);
    headers["x-next-cursor"] = page.nextCursor;
    headers.link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  return new Response(page.body, { headers });
});
