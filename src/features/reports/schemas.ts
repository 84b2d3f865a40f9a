import { z } from "zod";

export const ReportRange = z.object({
  days: z.coerce.number().int().min(1, "At least 1 day").max(400, "At most 400 days").default(30),
  workspaceId: z.string().max(64).optional(),
  provider: z.enum(["openrouter", "openai"]).optional(),
});
export type ReportRange = z.infer<typeof ReportRange>;
