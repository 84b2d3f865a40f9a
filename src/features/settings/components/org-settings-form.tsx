"use client";

import { useState, type FormEvent } from "react";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { formFields } from "@/components/form-helpers";
import { OrgSettingsInput } from "../schemas";

export type OrgSettingsView = { name: string; timeZone: string; lowCreditRunwayHours: number; lowCreditBalanceUsd: string };

export function OrgSettingsForm({
  org,
  settings,
  timeZones,
  canWrite,
  action,
}: {
  org: string;
  settings: OrgSettingsView;
  // From the server (value and label), so the server-rendered and hydrated option lists are the same.
  timeZones: { value: string; label: string }[];
  canWrite: boolean;
  action: (org: string, input: OrgSettingsInput) => Promise<ActionResult<unknown>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [saved, setSaved] = useState(false);
  // An org created with a zone this browser doesn't list still shows it.
  const zones = timeZones.some((z) => z.value === settings.timeZone) ? timeZones : [{ value: settings.timeZone, label: settings.timeZone }, ...timeZones];

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setSaved(false);
    submit(OrgSettingsInput, formFields(e.currentTarget), () => setSaved(true));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Organization settings">
      <FormError message={error} />
      <fieldset disabled={!canWrite} className="space-y-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field id="org-name" label="Organization name" name="name" defaultValue={settings.name} error={errors.name} />
          <SelectField
            id="org-tz"
            label="Time zone"
            name="timeZone"
            defaultValue={settings.timeZone}
            options={zones}
            error={errors.timeZone}
          />
        </div>
        <p className="text-xs text-gray-500">Budget periods (days, weeks starting Monday, months) and report schedules follow this time zone.</p>
        <h3 className="pt-2 text-sm font-semibold text-gray-900">Low OpenRouter credit alert</h3>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            id="org-runway"
            label="Alert when runway is under (hours)"
            name="lowCreditRunwayHours"
            type="number"
            min={1}
            step={1}
            defaultValue={settings.lowCreditRunwayHours}
            hint="Runway = balance ÷ recent burn rate. Default 72 hours."
            error={errors.lowCreditRunwayHours}
          />
          <Field
            id="org-balance"
            label="…or when the balance is under (USD)"
            name="lowCreditBalanceUsd"
            inputMode="decimal"
            placeholder="e.g. 50"
            defaultValue={settings.lowCreditBalanceUsd}
            hint="Optional. Leave blank to alert on runway only."
            error={errors.lowCreditBalanceUsd}
          />
        </div>
      </fieldset>
      {canWrite ? (
        <FormFooter submitLabel="Save settings" pending={pending} status={saved ? "Saved." : null} />
      ) : (
        <p className="text-sm text-gray-500">Only admins and owners can change these settings.</p>
      )}
    </form>
  );
}
