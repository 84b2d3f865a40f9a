import { z } from "zod";
import { PG_TEXT, PG_TEXT_MESSAGE, listOf, optionalId } from "@/lib/form-schemas";
import { PROVIDERS } from "@/features/providers/registry";

// Browser-safe: the budget form, the server actions and the REST API share these.

export const BUDGET_SCOPES = ["org", "workspace", "project", "key", "member"] as const;
export const BUDGET_PERIODS = ["daily", "weekly", "monthly", "lifetime"] as const;
export const BUDGET_MODES = ["soft", "hard"] as const;
export const RECIPIENT_ROLES = ["owner", "admin", "member", "viewer"] as const;
export const DEFAULT_THRESHOLDS = [80, 100];

export const SCOPE_LABELS: Record<(typeof BUDGET_SCOPES)[number], string> = {
  org: "Whole organization",
  workspace: "Workspace",
  project: "Project tag",
  key: "Provider key",
  member: "Member (within a workspace)",
};

/** USD as a decimal string or number: positive, at most 6 decimals, at most $100M. */
export const UsdAmount = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === "number" ? String(v) : v.trim().replace(/^\$/, "").replace(/,/g, "")))
  .pipe(
    z
      .string()
      .regex(/^\d+(\.\d{1,6})?$/, { error: "Enter an amount in USD, e.g. 250 or 19.99 (at most 6 decimals)", abort: true })
      .refine((s) => Number(s) > 0, "The amount must be greater than 0")
      .refine((s) => Number(s) <= 100_000_000, "The amount must be at most $100,000,000"),
  );

export const Thresholds = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map((s) => Number(s.replace(/%$/, "")))
      : v,
  z
    .array(
      z
        .number({ error: "Thresholds are whole percentages" })
        .int("Thresholds are whole percentages")
        .min(1, "Each threshold must be between 1 and 1000 (%)")
        .max(1000, "Each threshold must be between 1 and 1000 (%)"),
    )
    .min(1, "Add at least one threshold")
    .max(10, "At most 10 thresholds")
    .refine((a) => new Set(a).size === a.length, "Thresholds must be different from each other")
    .transform((a) => [...a].sort((x, y) => x - y)),
);

const BudgetFields = z.object({
  name: z.string().trim().min(1, "Give the budget a name").max(100, "At most 100 characters").regex(PG_TEXT, PG_TEXT_MESSAGE),
  scope: z.enum(BUDGET_SCOPES, { error: "Choose what the budget covers" }),
  workspaceId: optionalId,
  projectTagId: optionalId,
  providerKeyId: optionalId,
  memberId: optionalId,
  providerFilter: z
    .enum([...PROVIDERS, ""], { error: "Choose OpenRouter, OpenAI or any provider" })
    .optional()
    .nullable()
    .transform((v) => (v ? v : null)),
  modelFilter: z
    .string()
    .trim()
    .max(200, "At most 200 characters")
    .regex(PG_TEXT, PG_TEXT_MESSAGE)
    .optional()
    .nullable()
    .transform((v) => (v ? v : null)),
  period: z.enum(BUDGET_PERIODS, { error: "Choose daily, weekly, monthly or lifetime" }),
  amountUsd: UsdAmount,
  thresholds: Thresholds.default(DEFAULT_THRESHOLDS),
  mode: z.enum(BUDGET_MODES, { error: "Choose soft (alerts only) or hard (pause keys at 100%)" }).default("soft"),
  recipientEmails: listOf(z.string().trim().toLowerCase().email("Enter valid email addresses"), 20, "emails").default([]),
  recipientRoles: listOf(z.enum(RECIPIENT_ROLES, { error: "Unknown role" }), 4, "roles").default([]),
  notifyProjectOwner: z.boolean().default(false),
  webhookUrl: z
    .string()
    .trim()
    .max(500)
    .regex(PG_TEXT, PG_TEXT_MESSAGE)
    .optional()
    .nullable()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^https?:\/\/[^\s]+$/i.test(v), "Enter an http(s):// URL (e.g. a Slack incoming webhook)"),
  syncKeyLimits: z.boolean().default(true),
  paceAlerts: z.boolean().default(true),
});

/**
 * A webhook URL is a bearer secret (a Slack incoming webhook posts to the channel for anyone who
 * has it), so the UI, the REST API and the audit log only ever see this form: scheme, host and
 * the last 4 characters. Sending the masked form back in an update keeps the stored URL.
 */
export function maskWebhookUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…${url.slice(-4)}`;
  } catch {
    return `…${url.slice(-4)}`;
  }
}

/** Which id each scope needs; the others must be empty. */
export const SCOPE_FIELDS: Record<(typeof BUDGET_SCOPES)[number], ("workspaceId" | "projectTagId" | "providerKeyId" | "memberId")[]> = {
  org: [],
  workspace: ["workspaceId"],
  project: ["projectTagId"],
  key: ["providerKeyId"],
  member: ["workspaceId", "memberId"],
};
const FIELD_LABELS = { workspaceId: "a workspace", projectTagId: "a project tag", providerKeyId: "a provider key", memberId: "a member" };

function checkScope(b: z.infer<typeof BudgetFields>, ctx: z.RefinementCtx) {
  for (const f of SCOPE_FIELDS[b.scope]) {
    if (!b[f]) ctx.addIssue({ code: "custom", path: [f], message: `Choose ${FIELD_LABELS[f]} for this scope` });
  }
}

export const BudgetInput = BudgetFields.superRefine(checkScope);
export type BudgetInput = z.infer<typeof BudgetInput>;
export type BudgetFormInput = z.input<typeof BudgetInput>;

export const BudgetIdInput = z.object({ budgetId: z.string().min(1, "Budget is required").max(64) });
export type BudgetIdInput = z.infer<typeof BudgetIdInput>;

/** Edit from the form: every field again (full replacement). */
export const UpdateBudgetInput = BudgetFields.extend({ budgetId: BudgetIdInput.shape.budgetId }).superRefine(checkScope);
export type UpdateBudgetInput = z.infer<typeof UpdateBudgetInput>;

/** REST PATCH: any subset of the fields; merged with the stored budget, then validated whole. */
export const BudgetPatch = z.record(z.string(), z.unknown());

export const ResumeKeyInput = z.object({
  keyId: z.string().min(1, "Key is required").max(64),
  reason: z.string().trim().min(3, "Say why you resume this key (at least 3 characters)").max(500, "At most 500 characters"),
});
export type ResumeKeyInput = z.infer<typeof ResumeKeyInput>;

export const PauseKeyInput = z.object({
  keyId: z.string().min(1, "Key is required").max(64),
  reason: z.string().trim().min(3, "Say why you pause this key (at least 3 characters)").max(500, "At most 500 characters"),
});
export type PauseKeyInput = z.infer<typeof PauseKeyInput>;
