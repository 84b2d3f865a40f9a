import type { PathSpec } from "@/server/openapi/build";

export const spec: PathSpec = {
  path: "/api/v1/exports/{exportId}/download",
  methods: {
    get: {
      summary: "Download an export's file",
      description: "409 while the export is not done.",
      tags: ["Exports"],
      auth: "apiToken",
      responses: { 200: { description: "The file (streamed)", contentTypes: ["text/csv", "application/json", "application/x-ndjson"] }, 409: { description: "Not done yet" } },
    },
  },
};
