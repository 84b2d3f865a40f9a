import { z } from "zod";
import type { PathSpec } from "@/server/openapi/build";
import { RunListInput } from "@/features/schedules/server/runs";
import { ReportRunView } from "@/features/schedules/schemas";

export const spec: PathSpec = {
  path: "/api/v1/report-runs",
  methods: { get: { summary: "Scheduled-report runs", tags: ["Scheduled reports"], auth: "apiToken", query: RunListInput, responses: { 200: { description: "Runs, newest first", schema: z.object({ data: z.array(ReportRunView) }) } } } },
};
