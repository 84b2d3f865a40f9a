import { z } from "zod";
import type { PathSpec } from "@/server/openapi/build";
import { ExportView } from "@/features/exports/schemas";

export const spec: PathSpec = {
  path: "/api/v1/exports/{exportId}",
  methods: { get: { summary: "Export status and progress", tags: ["Exports"], auth: "apiToken", responses: { 200: { description: "The export", schema: z.object({ data: ExportView }) } } } },
};
