import type { PathSpec } from "@/server/openapi/build";

export const spec: PathSpec = {
  path: "/api/v1/orgs/{org}/exports/{exportId}/download",
  methods: { get: { summary: "Download an export (signed-in member)", tags: ["Exports"], auth: "session", responses: { 200: { description: "The file", contentTypes: ["text/csv", "application/json", "application/x-ndjson"] }, 409: { description: "Not done yet" } } } },
};
