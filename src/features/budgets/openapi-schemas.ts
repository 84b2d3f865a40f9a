import { z } from "zod";

/** A budget as the REST API returns it (BudgetView in server/budgets.ts), for the OpenAPI document. */
export const BudgetOut = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(["org", "workspace", "project", "key", "member"]),
    period: z.enum(["daily", "weekly", "monthly", "lifetime"]),
    amountMicros: z.string().describe("Integer micro-USD"),
    amountUsd: z.string(),
    thresholds: z.array(z.number().int()),
    mode: z.enum(["soft", "hard"]),
    status: z
      .object({
        periodStart: z.string(),
        periodEnd: z.string().nullable(),
        spendMicros: z.string(),
        percent: z.number(),
        timeLeftMs: z.number().nullable(),
        projectedMicros: z.string().nullable(),
      })
      .optional(),
  })
  .loose();
