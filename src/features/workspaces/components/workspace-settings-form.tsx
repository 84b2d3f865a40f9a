"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { WorkspaceDeleteInput, WorkspaceUpdateInput } from "../schemas";
import { RETENTION_OPTIONS } from "./create-workspace-form";
import { formFields } from "@/components/form-helpers";

export type WorkspaceView = { id: string; name: string; slug: string; retentionDays: number };

export function WorkspaceSettingsForm({
  org,
  workspace,
  action,
}: {
  org: string;
  workspace: WorkspaceView;
  action: (org: string, input: WorkspaceUpdateInput) => Promise<ActionResult<unknown>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [saved, setSaved] = useState(false);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setSaved(false);
    submit(WorkspaceUpdateInput, { ...formFields(e.currentTarget), workspaceId: workspace.id }, () => setSaved(true));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Workspace settings">
      <FormError message={error} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field id="ws-edit-name" label="Name" name="name" defaultValue={workspace.name} error={errors.name} />
        <Field id="ws-edit-slug" label="Slug" name="slug" defaultValue={workspace.slug} error={errors.slug} />
        <SelectField id="ws-edit-retention" label="Raw-event retention" name="retentionDays" defaultValue={String(workspace.retentionDays)} options={RETENTION_OPTIONS} error={errors.retentionDays} />
      </div>
      <p className="text-xs text-gray-500">Raw usage events older than the retention are deleted every night; hourly and daily rollups are kept.</p>
      <FormFooter submitLabel="Save workspace" pending={pending} status={saved ? "Saved." : null} />
    </form>
  );
}

/** Deleting asks for the slug to be typed: it removes the workspace's tags and tokens. */
export function DeleteWorkspaceForm({
  org,
  workspace,
  action,
}: {
  org: string;
  workspace: WorkspaceView;
  action: (org: string, input: WorkspaceDeleteInput) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [open, setOpen] = useState(false);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(WorkspaceDeleteInput, { workspaceId: workspace.id, confirmSlug: formFields(e.currentTarget).confirmSlug }, () => router.push(`/${org}/workspaces`));
  }

  if (!open) {
    return (
      <Button type="button" variant="danger" onClick={() => setOpen(true)}>
        Delete workspace…
      </Button>
    );
  }
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Delete workspace">
      <p className="text-sm text-gray-700">
        This deletes <strong>{workspace.name}</strong>, its project tags and its ingest tokens (clients using them start getting 401). Usage already
        recorded is kept. Type <code className="rounded bg-gray-100 px-1">{workspace.slug}</code> to confirm.
      </p>
      <FormError message={error} />
      <Field id="ws-delete-confirm" label="Workspace slug" name="confirmSlug" autoComplete="off" error={errors.confirmSlug} />
      <FormFooter submitLabel="Delete workspace" variant="danger" pending={pending} onCancel={() => setOpen(false)} />
    </form>
  );
}
