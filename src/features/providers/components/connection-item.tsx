"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { FormFooter } from "@/components/ui/form-footer";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field, FormError, InlineError, SelectField } from "@/components/ui/field";
import { useTenantAction, useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { ConnectionRotateInput, ConnectionUpdateInput, PROVIDER_LABELS, type ConnectionIdInput } from "../schemas";
import { formFields } from "@/components/form-helpers";
import { workspaceOptions, type WorkspaceOption } from "./create-connection-form";
import { PROVIDER_INFO } from "../registry";

export type ConnectionView = {
  id: string;
  provider: "openrouter" | "openai";
  name: string;
  workspaceId: string | null;
  workspaceName: string | null;
  baseUrl: string | null;
  last4: string;
  status: "active" | "broken" | "disabled";
  statusReason: string | null;
  lastPolled: string | null;
  keyCount: number;
};

export type ConnectionActions = {
  update: (org: string, input: ConnectionUpdateInput) => Promise<ActionResult<unknown>>;
  rotate: (org: string, input: ConnectionRotateInput) => Promise<ActionResult<unknown>>;
  remove: (org: string, input: ConnectionIdInput) => Promise<ActionResult<unknown>>;
  poll: (org: string, input: ConnectionIdInput) => Promise<ActionResult<unknown>>;
};

const STATUS_TONE = { active: "green", broken: "red", disabled: "gray" } as const;

function StatusBadge({ c }: { c: ConnectionView }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <Badge tone={STATUS_TONE[c.status]}>{c.status}</Badge>
      {c.statusReason && c.status !== "active" ? <span className="text-xs text-gray-600">{c.statusReason}</span> : null}
    </span>
  );
}

function PollButton({ org, c, action }: { org: string; c: ConnectionView; action: ConnectionActions["poll"] }) {
  const { run, pending, error } = useTenantAction(action, org);
  const [queued, setQueued] = useState(false);
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" pending={pending} disabled={c.status === "disabled"} onClick={() => void run({ connectionId: c.id }, () => setQueued(true))}>
        Poll now
      </Button>
      {queued ? (
        <span role="status" className="text-xs text-green-700">
          Queued
        </span>
      ) : null}
      <InlineError as="span" message={error} />
    </span>
  );
}

function EditForm({ org, c, workspaces, action, onDone }: { org: string; c: ConnectionView; workspaces: WorkspaceOption[]; action: ConnectionActions["update"]; onDone: () => void }) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = formFields(e.currentTarget);
    submit(ConnectionUpdateInput, { ...f, connectionId: c.id, enabled: f.enabled === "on" }, onDone);
  }
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Edit connection ${c.name}`}>
      <FormError message={error} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field id={`conn-${c.id}-name`} label="Connection name" name="name" defaultValue={c.name} error={errors.name} />
        <SelectField id={`conn-${c.id}-ws`} label="Attribute discovered keys to" name="workspaceId" defaultValue={c.workspaceId ?? ""} options={workspaceOptions(workspaces)} error={errors.workspaceId} />
        <Field id={`conn-${c.id}-url`} label="API base URL" name="baseUrl" defaultValue={c.baseUrl ?? ""} placeholder="(provider default)" error={errors.baseUrl} />
      </div>
      <Field
        id={`conn-${c.id}-confirm-secret`}
        label={`${PROVIDER_INFO[c.provider].secretLabel} (required only when the base URL changes)`}
        name="secret"
        type="password"
        autoComplete="off"
        error={errors.secret}
      />
      <label className="flex items-center gap-2 text-sm text-gray-700">
        <input type="checkbox" name="enabled" defaultChecked={c.status !== "disabled"} className="h-4 w-4 rounded border-gray-300" />
        Enabled (polled, and used to pause keys under hard budgets)
      </label>
      <FormFooter submitLabel="Save changes" pending={pending} onCancel={onDone} />
    </form>
  );
}

function RotateForm({ org, c, action, onDone }: { org: string; c: ConnectionView; action: ConnectionActions["rotate"]; onDone: () => void }) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(ConnectionRotateInput, { connectionId: c.id, secret: formFields(e.currentTarget).secret }, onDone);
  }
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Rotate secret of ${c.name}`}>
      <FormError message={error} />
      <Field id={`conn-${c.id}-secret`} label={`New ${PROVIDER_INFO[c.provider].secretLabel.toLowerCase()}`} name="secret" type="password" autoComplete="off" error={errors.secret} />
      <FormFooter submitLabel="Save new key" pending={pending} onCancel={onDone} />
    </form>
  );
}

function DeleteButton({ org, c, action }: { org: string; c: ConnectionView; action: ConnectionActions["remove"] }) {
  const { run, pending, error } = useTenantAction(action, org);
  // No `close` on success: the connection's row goes away.
  return <ConfirmButton align="start" label="Delete" confirmLabel={<>Delete {c.name}</>} pending={pending} error={error} onConfirm={() => void run({ connectionId: c.id })} />;
}

export function ConnectionItem({
  org,
  c,
  workspaces,
  canWrite,
  actions,
}: {
  org: string;
  c: ConnectionView;
  workspaces: WorkspaceOption[];
  canWrite: boolean;
  actions: ConnectionActions;
}) {
  const [mode, setMode] = useState<"view" | "edit" | "rotate">("view");
  return (
    <li className="space-y-3 py-4" data-testid={`connection-${c.id}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="space-y-1">
          <p className="font-medium text-gray-900">
            <Link href={`/${org}/connections/${c.id}`} className="text-blue-700 hover:underline">
              {c.name}
            </Link>{" "}
            <span className="text-sm font-normal text-gray-500">· {PROVIDER_LABELS[c.provider]}</span>
          </p>
          <StatusBadge c={c} />
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs text-gray-600">
            <dt>Key</dt>
            <dd className="font-mono">••••{c.last4}</dd>
            <dt>Last polled</dt>
            <dd>{c.lastPolled ?? "never"}</dd>
            <dt>Tracked keys</dt>
            <dd>{c.keyCount}</dd>
            <dt>Workspace</dt>
            <dd>{c.workspaceName ?? "none"}</dd>
            {c.baseUrl ? (
              <>
                <dt>Base URL</dt>
                <dd className="font-mono">{c.baseUrl}</dd>
              </>
            ) : null}
          </dl>
        </div>
        {canWrite ? (
          <div className="flex flex-wrap items-start gap-2">
            <PollButton org={org} c={c} action={actions.poll} />
            <Button variant="secondary" onClick={() => setMode(mode === "edit" ? "view" : "edit")}>
              Edit
            </Button>
            <Button variant="secondary" onClick={() => setMode(mode === "rotate" ? "view" : "rotate")}>
              Rotate key
            </Button>
            <DeleteButton org={org} c={c} action={actions.remove} />
          </div>
        ) : null}
      </div>
      {canWrite && mode === "edit" ? <EditForm org={org} c={c} workspaces={workspaces} action={actions.update} onDone={() => setMode("view")} /> : null}
      {canWrite && mode === "rotate" ? <RotateForm org={org} c={c} action={actions.rotate} onDone={() => setMode("view")} /> : null}
    </li>
  );
}
