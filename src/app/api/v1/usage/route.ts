import { ingestPushRequest } from "@/features/ingest/server/push";
import { errorResponse, jsonResponse } from "@/server/next/gate";

export const dynamic = "force-dynamic";

/** Push usage events with a workspace ingest token (see features/ingest/server/push.ts). */
export async function POST(req: Request) {
  try {
    const result = await ingestPushRequest({
      authorization: req.headers.get("authorization"),
      contentEncoding: req.headers.get("content-encoding"),
      contentLength: req.headers.get("content-length"),
      body: req.body,
    });
    return jsonResponse(result, { status: 202 });
  } catch (e) {
    return errorResponse(e);
  }
}
