"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Badge, EmptyState, Table } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { FormFooter } from "@/components/ui/form-footer";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantAction, useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { ProjectTagCreateInput, ProjectTagUpdateInput, type ProjectTagDeleteInput } from "../schemas";
import { formFields } from "@/components/form-helpers";
import { useSlugFromName } from "./use-slug-from-name";

export type OwnerOption = { id: string; label: string };
export type ProjectTagView = { id: string; slug: string; name: string; ownerId: string | null; ownerLabel: string | null; isDefault: boolean };

const ownerOptions = (owners: OwnerOption[]) => [{ value: "", label: "No owner" }, ...owners.map((o) => ({ value: o.id, label: o.label }))];

export function CreateProjectTagForm({
  org,
  workspaceId,
  owners,
  action,
}: {
  org: string;
  workspaceId: string;
  owners: OwnerOption[];
  action: (org: string, input: ProjectTagCreateInput) => Promise<ActionResult<{ slug: string }>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const { name, slug, nameProps, slugProps, reset } = useSlugFromName();
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    setCreated(null);
    submit(ProjectTagCreateInput, { workspaceId, name, slug, ownerId: formFields(form).ownerId }, (tag) => {
      setCreated(tag.slug);
      reset();
      form.reset();
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Add project tag">
      <FormError message={error} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field
          id="tag-create-name"
          label="Tag name"
          name="name"
          {...nameProps}
          placeholder="Support bot"
          error={errors.name}
        />
        <Field
          id="tag-create-slug"
          label="Tag slug"
          name="slug"
          {...slugProps}
          placeholder="support-bot"
          hint={'Send it as "project" with usage events.'}
          error={errors.slug}
        />
        <SelectField id="tag-create-owner" label="Owner" name="ownerId" defaultValue="" options={ownerOptions(owners)} error={errors.ownerId} />
      </div>
      <FormFooter submitLabel="Add project tag" pending={pending} status={created ? <>Project tag “{created}” added.</> : null} />
    </form>
  );
}

type RowActions = {
  update: (org: string, input: ProjectTagUpdateInput) => Promise<ActionResult<unknown>>;
  remove: (org: string, input: ProjectTagDeleteInput) => Promise<ActionResult<unknown>>;
};

function EditTagRow({ org, tag, owners, action, onDone }: { org: string; tag: ProjectTagView; owners: OwnerOption[]; action: RowActions["update"]; onDone: () => void }) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(ProjectTagUpdateInput, { ...formFields(e.currentTarget), projectTagId: tag.id }, onDone);
  }
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Edit project tag ${tag.slug}`}>
      <FormError message={error} />
      <div className="grid gap-2 sm:grid-cols-3">
        <Field id={`tag-${tag.id}-name`} label="Name" name="name" defaultValue={tag.name} error={errors.name} />
        <Field id={`tag-${tag.id}-slug`} label="Slug" name="slug" defaultValue={tag.slug} readOnly={tag.isDefault} error={errors.slug} />
        <SelectField id={`tag-${tag.id}-owner`} label="Owner" name="ownerId" defaultValue={tag.ownerId ?? ""} options={ownerOptions(owners)} error={errors.ownerId} />
      </div>
      <FormFooter submitLabel="Save tag" pending={pending} onCancel={onDone} />
    </form>
  );
}

function DeleteTagButton({ org, tag, action }: { org: string; tag: ProjectTagView; action: RowActions["remove"] }) {
  const { run, pending, error } = useTenantAction(action, org);
  if (tag.isDefault) return <span className="text-xs text-gray-500">Default tag (can&apos;t be deleted)</span>;
  return <ConfirmButton label="Delete" confirmLabel={<>Delete {tag.slug}</>} pending={pending} error={error} onConfirm={(close) => void run({ projectTagId: tag.id }, close)} />;
}

export function ProjectTagsTable({
  org,
  tags,
  owners,
  canWrite,
  actions,
}: {
  org: string;
  tags: ProjectTagView[];
  owners: OwnerOption[];
  canWrite: boolean;
  actions: RowActions;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const editingTag = tags.find((t) => t.id === editing);
  return (
    <div className="space-y-4">
      <Table
        head={["Slug", "Name", "Owner", ...(canWrite ? [""] : [])]}
        empty={<EmptyState title="No project tags yet">Events without a project land in the default tag.</EmptyState>}
        rows={tags.map((t) => [
          <span key="s" className="font-mono text-xs">
            <Link href={`/${org}/tags/${t.id}`} className="text-blue-700 hover:underline" aria-label={`Project tag ${t.slug}: spend and budgets`}>
              {t.slug}
            </Link>{" "}
            {t.isDefault ? <Badge tone="blue">default</Badge> : null}
          </span>,
          t.name,
          t.ownerLabel ?? <span className="text-gray-400">—</span>,
          ...(canWrite
            ? [
                <div key="a" className="flex items-center justify-end gap-2">
                  <Button variant="ghost" onClick={() => setEditing(t.id)}>
                    Edit
                  </Button>
                  <DeleteTagButton org={org} tag={t} action={actions.remove} />
                </div>,
              ]
            : []),
        ])}
      />
      {canWrite && editingTag ? (
        <div className="rounded-md border border-gray-200 bg-gray-50 p-3">
          <EditTagRow key={editingTag.id} org={org} tag={editingTag} owners={owners} action={actions.update} onDone={() => setEditing(null)} />
        </div>
      ) : null}
    </div>
  );
}
