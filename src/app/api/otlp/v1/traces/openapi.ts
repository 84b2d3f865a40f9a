import { z } from "zod";
import type { PathSpec } from "@/server/openapi/build";

export const spec: PathSpec = {
  path: "/api/otlp/v1/traces",
  methods: {
    post: {
      summary: "OTLP/HTTP traces (GenAI spans, OpenRouter Broadcast)",
      description: "An OTLP ExportTraceServiceRequest as protobuf or JSON. Spans without GenAI usage are ignored; malformed ones are reported in partialSuccess.",
      tags: ["Ingest"],
      auth: "ingestToken",
      body: z.object({ resourceSpans: z.array(z.record(z.string(), z.unknown())) }).describe("OTLP ExportTraceServiceRequest"),
      bodyContentTypes: ["application/json", "application/x-protobuf"],
      responses: {
        200: {
          description: "ExportTraceServiceResponse",
          schema: z.object({ partialSuccess: z.object({ rejectedSpans: z.union([z.string(), z.number()]).optional(), errorMessage: z.string().optional() }).optional() }),
          contentTypes: ["application/json", "application/x-protobuf"],
        },
      },
    },
  },
};
