"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { FREQUENCIES, FREQUENCY_LABELS, ROLES, ScheduleInput, ScheduleUpdateInput, type ScheduleFilters, type ScheduleFormInput } from "../schemas";
import { providerOptions } from "@/features/providers/registry";

type Option = { value: string; label: string };

/** A saved schedule as the edit form starts from it. */
export type ScheduleFormValues = {
  name: string;
  frequency: (typeof FREQUENCIES)[number];
  hour: number;
  workspaceId: string | null;
  recipients: string[];
  recipientRoles: string[];
  filters: ScheduleFilters;
  enabled: boolean;
};

/**
 * New scheduled report, or (with `scheduleId` and `initial`) the edit form of a saved one.
 * Errors come back per field, from the same schema the server uses.
 */
export function ScheduleForm({
  org,
  timeZone,
  workspaces,
  projectTags,
  action,
  scheduleId,
  initial,
}: {
  org: string;
  timeZone: string;
  workspaces: Option[];
  projectTags: Option[];
  action: (org: string, input: ScheduleFormInput & { scheduleId?: string }) => Promise<ActionResult<unknown>>;
  scheduleId?: string;
  initial?: ScheduleFormValues;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [roles, setRoles] = useState<string[]>(initial?.recipientRoles ?? ["owner"]);
  const [saved, setSaved] = useState(false);
  const editing = scheduleId !== undefined;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setSaved(false);
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
      ...(editing ? { enabled: f.get("enabled") === "on" } : {}),
    };
    if (editing) submit(ScheduleUpdateInput, { ...input, scheduleId }, () => setSaved(true));
    else submit(ScheduleInput, input, () => form.reset());
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label={editing ? "Edit scheduled report" : "New scheduled report"}>
      <FormError message={error} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" placeholder="Weekly spend" defaultValue={initial?.name} error={errors.name} />
        <SelectField
          label="Frequency"
          name="frequency"
          defaultValue={initial?.frequency ?? "weekly"}
          error={errors.frequency}
          options={FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABELS[f] }))}
        />
        <Field label={`Hour (0–23, ${timeZone})`} name="hour" type="number" min={0} max={23} defaultValue={initial?.hour ?? 8} error={errors.hour} />
        <SelectField
          label="Scope"
          name="workspaceId"
          defaultValue={initial?.workspaceId ?? ""}
          error={errors.workspaceId}
          options={[{ value: "", label: "Whole organization" }, ...workspaces]}
        />
        <Field
          label="Recipient emails"
          name="recipients"
          placeholder="finance@example.com, cto@example.com"
          defaultValue={initial?.recipients.join(", ")}
          error={errors.recipients ?? Object.entries(errors).find(([k]) => k.startsWith("recipients."))?.[1]}
        />
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
        <SelectField
          label="Provider (optional)"
          name="provider"
          defaultValue={initial?.filters.provider ?? ""}
          error={errors["filters.provider"]}
          options={[{ value: "", label: "All providers" }, ...providerOptions()]}
        />
        <SelectField
          label="Project tag (optional)"
          name="projectTagId"
          defaultValue={initial?.filters.projectTagId ?? ""}
          error={errors["filters.projectTagId"]}
          options={[{ value: "", label: "All projects" }, ...projectTags]}
        />
        <Field label="Model (optional)" name="model" placeholder="gpt-4o" defaultValue={initial?.filters.model ?? ""} error={errors["filters.model"]} />
        {editing ? (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="enabled" defaultChecked={initial?.enabled ?? true} /> Enabled (sends on schedule)
          </label>
        ) : null}
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" pending={pending}>
          {editing ? "Save changes" : "Create scheduled report"}
        </Button>
        {saved ? (
          <p role="status" className="text-sm text-green-700">
            Saved.
          </p>
        ) : null}
      </div>
    </form>
  );
}
