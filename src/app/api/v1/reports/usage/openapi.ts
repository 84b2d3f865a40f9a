import type { PathSpec } from "@/server/openapi/build";
import { MAX_PAGE_SIZE, ReportApiQuery, ReportUsageResponse } from "@/features/exports/schemas";

export const spec: PathSpec = {
  path: "/api/v1/reports/usage",
  methods: {
    get: {
      summary: "Usage report (aggregated, paginated)",
      description: `Sums of requests, errors, tokens by kind and cost, plus p95 latency, per bucket × group, from the same module as the report pages. Cursor pagination: at most ${MAX_PAGE_SIZE} rows per page (default 1000); follow \`next_cursor\` (JSON) or the \`X-Next-Cursor\` / \`Link\` headers (CSV, NDJSON).`,
      tags: ["Reports"],
      auth: "apiToken",
      query: ReportApiQuery,
      responses: { 200: { description: "One page", schema: ReportUsageResponse, contentTypes: ["application/json", "text/csv", "application/x-ndjson"] } },
    },
  },
};
