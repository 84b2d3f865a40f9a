import type { PathSpec } from "@/server/openapi/build";

export const spec: PathSpec = {
  path: "/api/v1/orgs/{org}/report-runs/{runId}/download",
  methods: { get: { summary: "Download a run's CSV (signed-in member)", tags: ["Scheduled reports"], auth: "session", responses: { 200: { description: "The CSV", contentTypes: ["text/csv"] }, 409: { description: "Not built yet" } } } },
};
