import { z } from "zod";
import { listOf, optionalId, PG_TEXT, PG_TEXT_MESSAGE } from "@/lib/form-schemas";
import { PROVIDERS } from "@/features/providers/registry";

// Browser-safe: the schedule form, its server actions and the services share these.

export const FREQUENCIES = ["daily", "weekly", "monthly"] as const;
export const FREQUENCY_LABELS: Record<(typeof FREQUENCIES)[number], string> = {
  daily: "Daily (the previous day)",
  weekly: "Weekly, on Monday (the previous Monday–Sunday)",
  monthly: "Monthly, on the 1st (the previous month)",
};
export const ROLES = ["owner", "admin", "member", "viewer"] as const;

/** Schedules take a missing or null list as empty. */
const listOrEmpty = <T extends z.ZodType>(item: T, max: number, what: string) => z.preprocess((v) => v ?? [], listOf(item, max, what));

/** Optional narrowing of what a scheduled report covers (ids are the org's own, checked on save). */
export const ScheduleFilters = z
  .object({
    provider: optionalId.pipe(z.enum(PROVIDERS, { error: "Provider is openrouter or openai" }).nullable()),
    projectTagId: optionalId,
    model: z
      .string()
      .trim()
      .max(200)
      .regex(PG_TEXT, PG_TEXT_MESSAGE)
      .optional()
      .nullable()
      .transform((v) => (v ? v : null)),
  })
  .partial()
  .default({});
export type ScheduleFilters = z.infer<typeof ScheduleFilters>;

const ScheduleFields = z.object({
  name: z.string().trim().min(1, "Give the report a name").max(100, "At most 100 characters").regex(PG_TEXT, PG_TEXT_MESSAGE),
  frequency: z.enum(FREQUENCIES, { error: "Choose daily, weekly or monthly" }),
  hour: z.coerce
    .number({ error: "Hour is a whole number from 0 to 23" })
    .int("Hour is a whole number from 0 to 23")
    .min(0, "Hour is a whole number from 0 to 23")
    .max(23, "Hour is a whole number from 0 to 23"),
  workspaceId: optionalId,
  recipients: listOrEmpty(z.email({ error: "Enter valid email addresses, separated by commas" }).max(254), 50, "emails"),
  recipientRoles: listOrEmpty(z.enum(ROLES, { error: "Roles are owner, admin, member or viewer" }), 4, "roles"),
  filters: ScheduleFilters,
  enabled: z.boolean().default(true),
});

const needsRecipients = (v: { recipients: string[]; recipientRoles: string[] }) => v.recipients.length + v.recipientRoles.length > 0;
const recipientsIssue = { message: "Add at least one email or role to send the report to", path: ["recipients"] };

export const ScheduleInput = ScheduleFields.refine(needsRecipients, recipientsIssue);
export type ScheduleInput = z.infer<typeof ScheduleInput>;
export type ScheduleFormInput = z.input<typeof ScheduleInput>;

const ScheduleId = z.string().trim().min(1, "Required").max(64).regex(/^[^\u0000]+$/, "Not a scheduled report id");

export const ScheduleUpdateInput = ScheduleFields.extend({ scheduleId: ScheduleId }).refine(needsRecipients, recipientsIssue);
export type ScheduleUpdateInput = z.infer<typeof ScheduleUpdateInput>;

export const ScheduleIdInput = z.object({ scheduleId: ScheduleId });
export type ScheduleIdInput = z.infer<typeof ScheduleIdInput>;

/** A scheduled-report run as the API lists it (for the OpenAPI document). */
export const ReportRunView = z.object({
  id: z.string(),
  scheduleId: z.string(),
  scheduleName: z.string(),
  test: z.boolean().describe("Sent with “Send now”"),
  periodStart: z.string(),
  periodEnd: z.string(),
  status: z.enum(["pending", "sending", "sent", "failed", "none"]),
  attempts: z.number().int(),
  error: z.string().nullable(),
  recipients: z.array(z.string()),
  totalMicros: z.string().nullable().describe("Spend in the period, integer micro-USD"),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  hasCsv: z.boolean(),
});
