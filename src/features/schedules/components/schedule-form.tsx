"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { FREQUENCIES, FREQUENCY_LABELS, ROLES, ScheduleInput, type ScheduleFormInput } from "../schemas";

type Option = { value: string; label: string };

/** New scheduled report. Errors come back per field, from the same schema the server uses. */
export function ScheduleForm({
  org,
  timeZone,
  workspaces,
  projectTags,
  action,
}: {
  org: string;
  timeZone: string;
  workspaces: Option[];
  projectTags: Option[];
  action: (org: string, input: ScheduleFormInput) => Promise<ActionResult<unknown>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [roles, setRoles] = useState<string[]>(["owner"]);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const input: ScheduleFormInput = {
      name: String(f.get("name") ?? ""),
      frequency: String(f.get("frequency") ?? "") as ScheduleFormInput["frequency"],
      hour: String(f.get("hour") ?? ""),
      workspaceId: String(f.get("workspaceId") ?? ""),
      recipients: String(f.get("recipients") ?? ""),
      recipientRoles: roles,
      filters: { provider: String(f.get("provider") ?? ""), projectTagId: String(f.get("projectTagId") ?? ""), model: String(f.get("model") ?? "") },
    };
    submit(ScheduleInput, input, () => form.reset());
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="New scheduled report">
      <FormError message={error} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" placeholder="Weekly spend" error={errors.name} />
        <SelectField label="Frequency" name="frequency" defaultValue="weekly" error={errors.frequency} options={FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABELS[f] }))} />
        <Field label={`Hour (0–23, ${timeZone})`} name="hour" type="number" min={0} max={23} defaultValue={8} error={errors.hour} />
        <SelectField label="Scope" name="workspaceId" error={errors.workspaceId} options={[{ value: "", label: "Whole organization" }, ...workspaces]} />
        <Field label="Recipient emails" name="recipients" placeholder="finance@example.com, cto@example.com" error={errors.recipients ?? Object.entries(errors).find(([k]) => k.startsWith("recipients."))?.[1]} />
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-gray-700">Recipient roles</legend>
          <div className="flex flex-wrap gap-3 text-sm">
            {ROLES.map((r) => (
              <label key={r} className="flex items-center gap-1">
                <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles((cur) => (e.target.checked ? [...cur, r] : cur.filter((x) => x !== r)))} />
                {r}s
              </label>
            ))}
          </div>
        </fieldset>
        <SelectField label="Provider (optional)" name="provider" error={errors["filters.provider"]} options={[{ value: "", label: "All providers" }, { value: "openrouter", label: "OpenRouter" }, { value: "openai", label: "OpenAI" }]} />
        <SelectField label="Project tag (optional)" name="projectTagId" error={errors["filters.projectTagId"]} options={[{ value: "", label: "All projects" }, ...projectTags]} />
        <Field label="Model (optional)" name="model" placeholder="gpt-4o" error={errors["filters.model"]} />
      </div>
      <Button type="submit" pending={pending}>
        Create scheduled report
      </Button>
    </form>
  );
}
