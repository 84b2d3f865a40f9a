import { z } from "zod";
import type { PathSpec } from "@/server/openapi/build";
import { ExportInput, ExportView } from "@/features/exports/schemas";

export const spec: PathSpec = {
  path: "/api/v1/exports",
  methods: {
    get: { summary: "List exports (last 7 days)", tags: ["Exports"], auth: "apiToken", responses: { 200: { description: "Exports, newest first", schema: z.object({ data: z.array(ExportView) }) } } },
    post: {
      summary: "Start an export",
      description: "Runs in the background; poll GET /api/v1/exports/{exportId} until `status` is done, then download.",
      tags: ["Exports"],
      auth: "apiToken",
      body: ExportInput,
      responses: { 202: { description: "Queued", schema: z.object({ data: ExportView }) } },
    },
  },
};
