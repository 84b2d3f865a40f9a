import { z } from "zod";

// Browser-safe: the alert feed's actions and forms share these.

export const AcknowledgeAlertInput = z.object({ alertId: z.string().min(1, "Alert is required").max(64) });
export type AcknowledgeAlertInput = z.infer<typeof AcknowledgeAlertInput>;

export const AlertFeedFilter = z.object({
  onlyOpen: z.boolean().default(false),
  cursor: z.string().max(64).optional(),
  take: z.number().int().min(1).max(200).default(50),
});
export type AlertFeedFilter = z.input<typeof AlertFeedFilter>;

export const AnomalySettingsInput = z.object({
  anomalyMinSpendUsd: z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim().replace(/^\$/, ""))
    .pipe(
      z
        .string()
        .regex(/^\d+(\.\d{1,6})?$/, "Enter an amount in USD, e.g. 5 or 2.50")
        .refine((s) => Number(s) <= 1_000_000, "At most $1,000,000"),
    ),
  anomalyAutoPause: z.boolean().default(false),
});
export type AnomalySettingsInput = z.infer<typeof AnomalySettingsInput>;

export const ALERT_KIND_LABELS: Record<string, string> = {
  budget_threshold: "Budget threshold",
  budget_pace: "Budget pace",
  low_credit: "Low credits",
  anomaly: "Spend spike",
  connection_broken: "Connection broken",
  key_paused: "Key paused",
  key_resumed: "Key resumed",
  enforcement_failed: "Enforcement failed",
  bill_drift: "Spend differs from the bill",
};
