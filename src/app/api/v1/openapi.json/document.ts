import { env } from "@/env";
import { buildOpenApi } from "@/server/openapi/build";
import { PATH_SPECS } from "./specs";

let cached: ReturnType<typeof buildOpenApi> | undefined;

/** The OpenAPI 3.1 document (built once per process). */
export function openApiDocument() {
  return (cached ??= buildOpenApi(PATH_SPECS, { serverUrl: env.APP_URL, version: "1.0.0" }));
}
