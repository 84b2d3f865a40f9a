"use client";

import { useState, type FormEvent } from "react";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { AnomalySettingsInput } from "../schemas";

export function AnomalySettingsForm({
  org,
  initial,
  action,
}: {
  org: string;
  initial: { anomalyMinSpendUsd: string; anomalyAutoPause: boolean };
  action: (org: string, input: AnomalySettingsInput) => Promise<ActionResult<unknown>>;
}) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [minSpend, setMinSpend] = useState(initial.anomalyMinSpendUsd);
  const [autoPause, setAutoPause] = useState(initial.anomalyAutoPause);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const errors = { ...fieldErrors, ...local };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const parsed = AnomalySettingsInput.safeParse({ anomalyMinSpendUsd: minSpend, anomalyAutoPause: autoPause });
    if (!parsed.success) return setLocal({ anomalyMinSpendUsd: parsed.error.issues[0]?.message ?? "Invalid amount" });
    setLocal({});
    void run(parsed.data, () => setSaved(true));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Anomaly settings">
      <FormError message={error} />
      <Field
        label="Ignore spikes under (USD per hour)"
        name="anomalyMinSpendUsd"
        value={minSpend}
        error={errors.anomalyMinSpendUsd}
        onChange={(e) => setMinSpend(e.target.value)}
        hint="The absolute floor of the spike rule."
      />
      <label className="flex items-center gap-2 text-sm text-gray-700">
        <input type="checkbox" checked={autoPause} onChange={(e) => setAutoPause(e.target.checked)} />
        Pause a key automatically when it spikes (an admin resumes it from the key&apos;s page)
      </label>
      <FormFooter submitLabel="Save" pending={pending} status={saved ? "Saved." : null} />
    </form>
  );
}
