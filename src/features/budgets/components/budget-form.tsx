"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { BUDGET_PERIODS, BudgetInput, RECIPIENT_ROLES, SCOPE_LABELS, BUDGET_SCOPES, type BudgetFormInput } from "../schemas";
import { providerOptions } from "@/features/providers/registry";

type Option = { value: string; label: string };
export type BudgetFormOptionsProps = { workspaces: Option[]; projectTags: Option[]; keys: Option[]; members: Option[] };
export type BudgetFormValues = {
  name: string;
  scope: string;
  workspaceId: string | null;
  projectTagId: string | null;
  providerKeyId: string | null;
  memberId: string | null;
  providerFilter: string | null;
  modelFilter: string | null;
  period: string;
  amountUsd: string;
  thresholds: number[];
  mode: string;
  recipientEmails: string[];
  recipientRoles: string[];
  notifyProjectOwner: boolean;
  webhookUrl: string | null;
  syncKeyLimits: boolean;
  paceAlerts: boolean;
};

const EMPTY: BudgetFormValues = {
  name: "",
  scope: "org",
  workspaceId: null,
  projectTagId: null,
  providerKeyId: null,
  memberId: null,
  providerFilter: null,
  modelFilter: null,
  period: "monthly",
  amountUsd: "",
  thresholds: [80, 100],
  mode: "soft",
  recipientEmails: [],
  recipientRoles: ["owner", "admin"],
  notifyProjectOwner: false,
  webhookUrl: null,
  syncKeyLimits: true,
  paceAlerts: true,
};

/** The form's own fields of a budget (the page passes the whole budget view; only these are edited and sent). */
const formValues = (from: BudgetFormValues): BudgetFormValues => Object.fromEntries(Object.keys(EMPTY).map((k) => [k, from[k as keyof BudgetFormValues]])) as BudgetFormValues;

const PERIOD_LABELS: Record<string, string> = { daily: "Daily", weekly: "Weekly (Monday start)", monthly: "Monthly", lifetime: "Lifetime (never resets)" };

function issuesToErrors(issues: { path: PropertyKey[]; message: string }[]) {
  const out: Record<string, string> = {};
  for (const i of issues) out[i.path.map(String).join(".").replace(/\.\d+$/, "") || "_"] ??= i.message;
  return out;
}

/** Create or edit a budget; the server re-validates with the same schema and answers per field. */
export function BudgetForm<T>({
  org,
  options,
  initial,
  budgetId,
  action,
}: {
  org: string;
  options: BudgetFormOptionsProps;
  initial?: BudgetFormValues;
  budgetId?: string;
  action: (org: string, input: BudgetFormInput & { budgetId?: string }) => Promise<ActionResult<T>>;
}) {
  const router = useRouter();
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [v, setV] = useState<BudgetFormValues>(initial ? formValues(initial) : EMPTY);
  const [thresholds, setThresholds] = useState((initial ?? EMPTY).thresholds.join(", "));
  const [emails, setEmails] = useState((initial ?? EMPTY).recipientEmails.join(", "));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const errors = { ...Object.fromEntries(Object.entries(fieldErrors).map(([k, m]) => [k.replace(/\.\d+$/, ""), m])), ...local };
  const set = <K extends keyof BudgetFormValues>(k: K, value: BudgetFormValues[K]) => setV((p) => ({ ...p, [k]: value }));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { ...v, thresholds, recipientEmails: emails };
    const parsed = BudgetInput.safeParse(input);
    setSaved(false);
    if (!parsed.success) return setLocal(issuesToErrors(parsed.error.issues));
    setLocal({});
    void run({ ...(input as BudgetFormInput), ...(budgetId ? { budgetId } : {}) }, (data) => {
      if (budgetId) setSaved(true);
      else router.push(`/${org}/budgets/${(data as { id: string }).id}`);
    });
  }

  const scopeSelect = (name: "workspaceId" | "projectTagId" | "providerKeyId" | "memberId", label: string, opts: Option[]) => (
    <SelectField
      label={label}
      name={name}
      value={v[name] ?? ""}
      error={errors[name]}
      onChange={(e) => set(name, e.target.value || null)}
      options={[{ value: "", label: opts.length ? "Choose…" : "None available yet" }, ...opts]}
    />
  );

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label={budgetId ? "Edit budget" : "New budget"}>
      <FormError message={error} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" value={v.name} error={errors.name} onChange={(e) => set("name", e.target.value)} placeholder="Production monthly" />
        <Field label="Amount (USD)" name="amountUsd" inputMode="decimal" value={v.amountUsd} error={errors.amountUsd} onChange={(e) => set("amountUsd", e.target.value)} placeholder="500" />
        <SelectField label="Covers" name="scope" value={v.scope} error={errors.scope} onChange={(e) => set("scope", e.target.value)} options={BUDGET_SCOPES.map((s) => ({ value: s, label: SCOPE_LABELS[s] }))} />
        <SelectField label="Period (org time zone)" name="period" value={v.period} error={errors.period} onChange={(e) => set("period", e.target.value)} options={BUDGET_PERIODS.map((p) => ({ value: p, label: PERIOD_LABELS[p]! }))} />
        {v.scope === "workspace" || v.scope === "member" ? scopeSelect("workspaceId", "Workspace", options.workspaces) : null}
        {v.scope === "project" ? scopeSelect("projectTagId", "Project tag", options.projectTags) : null}
        {v.scope === "key" ? scopeSelect("providerKeyId", "Provider key", options.keys) : null}
        {v.scope === "member" ? scopeSelect("memberId", "Member", options.members) : null}
      </div>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold text-gray-900">Filters (optional)</legend>
        <SelectField
          label="Provider"
          name="providerFilter"
          value={v.providerFilter ?? ""}
          error={errors.providerFilter}
          onChange={(e) => set("providerFilter", e.target.value || null)}
          options={[{ value: "", label: "Any provider" }, ...providerOptions()]}
        />
        <Field label="Model" name="modelFilter" value={v.modelFilter ?? ""} error={errors.modelFilter} onChange={(e) => set("modelFilter", e.target.value || null)} placeholder="e.g. openai/gpt-4.1" hint="Only this model's spend counts." />
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold text-gray-900">Alerts and enforcement</legend>
        <Field label="Thresholds (%)" name="thresholds" value={thresholds} error={errors.thresholds} onChange={(e) => setThresholds(e.target.value)} hint="Comma-separated, 1–1000. Each alerts once per period." />
        <SelectField
          label="Mode"
          name="mode"
          value={v.mode}
          error={errors.mode}
          onChange={(e) => set("mode", e.target.value)}
          options={[
            { value: "soft", label: "Soft: alerts only" },
            { value: "hard", label: "Hard: pause keys at 100%" },
          ]}
        />
        {v.mode === "hard" ? (
          <div className="space-y-2 text-sm text-gray-600 sm:col-span-2">
            <p>
              At 100% every key under this budget is paused at its provider. OpenRouter keys are disabled. OpenAI has no per-key switch: Tollgate sets the key&apos;s
              project hard spend limit to its month-to-date spend, which stops every key in that project, and restores the previous limit on resume.
            </p>
            <label className="flex items-center gap-2">
              <input type="checkbox" checked={v.syncKeyLimits} onChange={(e) => set("syncKeyLimits", e.target.checked)} />
              Keep OpenRouter key credit limits at the remaining budget (OpenRouter refuses the request that would cross the cap)
            </label>
          </div>
        ) : null}
        <label className="flex items-center gap-2 text-sm text-gray-700 sm:col-span-2">
          <input type="checkbox" checked={v.paceAlerts} onChange={(e) => set("paceAlerts", e.target.checked)} />
          Pace alert: warn once per period when the projected spend exceeds the budget before the 80% line
        </label>
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold text-gray-900">Who hears about it</legend>
        <Field label="Emails" name="recipientEmails" value={emails} error={errors.recipientEmails} onChange={(e) => setEmails(e.target.value)} placeholder="finance@example.com, lead@example.com" />
        <Field label="Webhook URL (Slack-compatible; a secret, shown masked: leave it as is to keep it)" name="webhookUrl" value={v.webhookUrl ?? ""} error={errors.webhookUrl} onChange={(e) => set("webhookUrl", e.target.value || null)} placeholder="https://hooks.slack.com/services/…" />
        <div className="space-y-1 text-sm text-gray-700">
          <p className="font-medium">Roles</p>
          <div className="flex flex-wrap gap-3">
            {RECIPIENT_ROLES.map((r) => (
              <label key={r} className="flex items-center gap-1">
                <input
                  type="checkbox"
                  checked={v.recipientRoles.includes(r)}
                  onChange={(e) => set("recipientRoles", e.target.checked ? [...v.recipientRoles, r] : v.recipientRoles.filter((x) => x !== r))}
                />
                {r}
              </label>
            ))}
          </div>
          {errors.recipientRoles ? <p className="text-xs text-red-600">{errors.recipientRoles}</p> : null}
          <p className="text-xs text-gray-500">With no recipients at all, owners and admins are emailed.</p>
        </div>
        {v.scope === "project" ? (
          <label className="flex items-center gap-2 text-sm text-gray-700">
            <input type="checkbox" checked={v.notifyProjectOwner} onChange={(e) => set("notifyProjectOwner", e.target.checked)} />
            Also email the project tag&apos;s owner
          </label>
        ) : null}
      </fieldset>

      <div className="flex items-center gap-3">
        <Button type="submit" pending={pending}>
          {budgetId ? "Save changes" : "Create budget"}
        </Button>
        {saved ? (
          <p role="status" className="text-sm text-green-700">
            Saved. Thresholds above the current spend are armed again.
          </p>
        ) : null}
      </div>
    </form>
  );
}
