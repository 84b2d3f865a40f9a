import { ingestOtlpTraces, otlpErrorReply, type OtlpReply } from "@/features/ingest/server/otlp/receive";

export const dynamic = "force-dynamic";

function send(r: OtlpReply): Response {
  const body = typeof r.body === "string" ? r.body : new Uint8Array(r.body);
  return new Response(body, { status: r.status, headers: { "content-type": r.contentType, ...r.headers } });
}

/** OTLP/HTTP trace export with a workspace ingest token (see features/ingest/server/otlp). */
export async function POST(req: Request) {
  const contentType = req.headers.get("content-type");
  try {
    const { reply } = await ingestOtlpTraces({
      authorization: req.headers.get("authorization"),
      contentEncoding: req.headers.get("content-encoding"),
      contentLength: req.headers.get("content-length"),
      contentType,
      body: req.body,
    });
    return send(reply);
  } catch (e) {
    return send(otlpErrorReply(e, contentType));
  }
}
