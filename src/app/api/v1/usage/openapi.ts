import type { PathSpec } from "@/server/openapi/build";
import { PushBatch, PushResult } from "@/features/ingest/schemas";

export const spec: PathSpec = {
  path: "/api/v1/usage",
  methods: {
    post: {
      summary: "Push usage events",
      description: "At most 1,000 events or 1 MiB per request (gzip accepted). The whole batch is validated first; one bad event rejects it with every path. The event `id` is the idempotency key per workspace.",
      tags: ["Ingest"],
      auth: "ingestToken",
      body: PushBatch,
      responses: { 202: { description: "Stored (events and rollups committed)", schema: PushResult } },
    },
  },
};
