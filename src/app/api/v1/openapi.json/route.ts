import { jsonResponse } from "@/server/next/gate";
import { openApiDocument } from "./document";

/** The public API's OpenAPI 3.1 document (no secrets; public like any API reference). */
export async function GET() {
  return jsonResponse(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}
