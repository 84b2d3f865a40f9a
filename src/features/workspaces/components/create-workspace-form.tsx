"use client";

import { useState, type FormEvent } from "react";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { RETENTION_DAYS, WorkspaceCreateInput } from "../schemas";
import { useSlugFromName } from "./use-slug-from-name";

export const RETENTION_OPTIONS = RETENTION_DAYS.map((d) => ({ value: String(d), label: `${d} days` }));

/** The slug follows the name until edited (useSlugFromName). */
export function CreateWorkspaceForm({
  org,
  action,
}: {
  org: string;
  action: (org: string, input: WorkspaceCreateInput) => Promise<ActionResult<{ id: string; name: string }>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const { name, slug, nameProps, slugProps, reset } = useSlugFromName();
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const retentionDays = new FormData(e.currentTarget).get("retentionDays");
    setCreated(null);
    submit(WorkspaceCreateInput, { name, slug, retentionDays }, (ws) => {
      setCreated(ws.name);
      reset();
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Create workspace">
      <FormError message={error} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field
          id="ws-create-name"
          label="Workspace name"
          name="name"
          {...nameProps}
          placeholder="Production"
          error={errors.name}
        />
        <Field
          id="ws-create-slug"
          label="Slug"
          name="slug"
          {...slugProps}
          placeholder="production"
          hint="Lowercase letters, digits and dashes. Filled from the name."
          error={errors.slug}
        />
        <SelectField id="ws-create-retention" label="Raw-event retention" name="retentionDays" defaultValue="30" options={RETENTION_OPTIONS} error={errors.retentionDays} />
      </div>
      <FormFooter submitLabel="Create workspace" pending={pending} status={created ? <>Workspace “{created}” created with its default project tag “untagged”.</> : null} />
    </form>
  );
}
