import { badRequest } from "@/server/errors";

/** Response for a file download (attachment with a safe filename). */
export function fileResponse(body: BodyInit, contentType: string, filename: string): Response {
  return new Response(body, {
    headers: { "content-type": contentType, "content-disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`, "cache-control": "private, no-store" },
  });
}

export async function jsonBody(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw badRequest("Send a JSON object in the request body");
  }
}
