import type { PathSpec } from "@/server/openapi/build";

export const spec: PathSpec = {
  path: "/api/v1/report-runs/{runId}/download",
  methods: { get: { summary: "Download a run's CSV attachment", tags: ["Scheduled reports"], auth: "apiToken", responses: { 200: { description: "The CSV that was attached", contentTypes: ["text/csv"] }, 409: { description: "Not built yet" } } } },
};
