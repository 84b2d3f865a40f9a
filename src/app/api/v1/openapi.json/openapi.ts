import type { PathSpec } from "@/server/openapi/build";

export const spec: PathSpec = {
  path: "/api/v1/openapi.json",
  methods: { get: { summary: "This document", tags: ["Meta"], auth: "none", responses: { 200: { description: "OpenAPI 3.1", contentTypes: ["application/json"] } } } },
};
