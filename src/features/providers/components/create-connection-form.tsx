"use client";

import { useState, type FormEvent } from "react";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { ConnectionCreateInput } from "../schemas";
import { formFields } from "@/components/form-helpers";
import { PROVIDER_INFO, providerOptions } from "../registry";
import type { Provider } from "@/generated/prisma/enums";

export type WorkspaceOption = { id: string; name: string };

export const workspaceOptions = (workspaces: WorkspaceOption[], none = "No workspace (attribute later)") => [
  { value: "", label: none },
  ...workspaces.map((w) => ({ value: w.id, label: w.name })),
];

const SECRET_LABEL = { openrouter: "Management key", openai: "Admin key" } as const;
const SECRET_HINT = { openrouter: "Starts with sk-or-v1-. Created under Settings → Management keys.", openai: "Starts with sk-admin-. Created by an org owner under Admin keys." } as const;

/** The key is sent once, encrypted on arrival, and never shown again (only its last 4). */
export function CreateConnectionForm({
  org,
  workspaces,
  action,
}: {
  org: string;
  workspaces: WorkspaceOption[];
  action: (org: string, input: ConnectionCreateInput) => Promise<ActionResult<{ name: string; secretLast4: string }>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [provider, setProvider] = useState<Provider>("openrouter");
  const [saved, setSaved] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    setSaved(null);
    submit(ConnectionCreateInput, formFields(form), (c) => {
      setSaved(`${c.name} saved (key ••••${c.secretLast4}).`);
      form.reset();
      setProvider("openrouter");
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Add connection">
      <FormError message={error} />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          id="conn-create-provider"
          label="Provider"
          name="provider"
          value={provider}
          onChange={(e) => setProvider(e.target.value as Provider)}
          options={providerOptions()}
          error={errors.provider}
        />
        <Field id="conn-create-name" label="Connection name" name="name" placeholder={`${PROVIDER_INFO[provider].label} production`} error={errors.name} />
        <Field
          id="conn-create-secret"
          label={SECRET_LABEL[provider]}
          name="secret"
          type="password"
          autoComplete="off"
          hint={SECRET_HINT[provider]}
          error={errors.secret}
        />
        <SelectField
          id="conn-create-workspace"
          label="Attribute discovered keys to"
          name="workspaceId"
          defaultValue=""
          options={workspaceOptions(workspaces)}
          error={errors.workspaceId}
        />
      </div>
      {PROVIDER_INFO[provider].hasWorkspaces ? (
        <label className="flex items-start gap-2 text-sm text-gray-700">
          <input type="checkbox" name="createWorkspaces" className="mt-1" />
          <span>
            Create a Tollgate workspace for each OpenRouter workspace (organizations).
            <span className="block text-xs text-gray-500">Leave unchecked to map OpenRouter workspaces to existing workspaces on this page after the first poll.</span>
          </span>
        </label>
      ) : null}
      <details className="rounded-md border border-gray-200 p-3" open={Boolean(errors.baseUrl)}>
        <summary className="cursor-pointer text-sm font-medium text-gray-700">Advanced</summary>
        <div className="mt-3">
          <Field
            id="conn-create-baseurl"
            label="API base URL"
            name="baseUrl"
            placeholder={PROVIDER_INFO[provider].publicBaseUrl}
            hint="Leave blank for the provider's public API. The demo and tests point this at the local fake provider."
            error={errors.baseUrl}
          />
        </div>
      </details>
      <FormFooter submitLabel="Save connection" pending={pending} status={saved} />
    </form>
  );
}
