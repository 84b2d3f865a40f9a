"use client";

import { useState, type FormEvent } from "react";
import { Badge, EmptyState, Table } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field, FormError } from "@/components/ui/field";
import { useTenantAction, useTenantForm } from "@/components/use-tenant-action";
import { formFields } from "@/components/form-helpers";
import type { ActionResult } from "@/server/next/gate";
import { CopyBox } from "@/features/workspaces/components/copy-box";
import { ApiTokenCreateInput, type ApiTokenRevokeInput } from "../schemas";

export type ApiTokenView = { id: string; name: string; prefix: string; scopes: string[]; created: string; lastUsed: string | null; revoked: string | null; canRevoke: boolean };

/** Creates an org API token and shows it ONCE; Tollgate keeps only its hash. */
export function CreateApiTokenForm({
  org,
  appUrl,
  action,
}: {
  org: string;
  appUrl: string;
  action: (org: string, input: ApiTokenCreateInput) => Promise<ActionResult<{ id: string; token: string; prefix: string }>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [revealed, setRevealed] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    submit(ApiTokenCreateInput, { name: formFields(form).name, scopes: ["reports:read"] }, (data) => {
      setRevealed(data.token);
      form.reset();
    });
  }

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Create API token">
        <FormError message={error} />
        <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-start">
          <Field id="api-token-name" label="Token name" name="name" placeholder="finance-pipeline" error={errors.name ?? errors.scopes} />
          <div className="sm:pt-6">
            <Button type="submit" pending={pending}>
              Create read-only token
            </Button>
          </div>
        </div>
        <p className="text-xs text-gray-500">Scope: reports:read (usage reports, exports, scheduled-report runs). Tokens cannot change anything.</p>
      </form>
      {revealed ? (
        <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="api-token-reveal">
          <p className="text-sm font-medium text-amber-900">Copy this token now. It is shown only once; Tollgate keeps only a hash of it.</p>
          <CopyBox label="API token" value={revealed} />
          <CopyBox label="Example request" value={`curl -H "Authorization: Bearer ${revealed}" "${appUrl}/api/v1/reports/usage?from=2026-11-01&to=2026-12-01&bucket=day&group_by=model"`} multiline />
          <Button type="button" variant="secondary" onClick={() => setRevealed(null)}>
            I have copied it
          </Button>
        </div>
      ) : null}
    </div>
  );
}

function RevokeButton({ org, token, action }: { org: string; token: ApiTokenView; action: (org: string, input: ApiTokenRevokeInput) => Promise<ActionResult<unknown>> }) {
  const { run, pending, error } = useTenantAction(action, org);
  return <ConfirmButton label="Revoke" confirmLabel={<>Revoke {token.name}</>} pending={pending} error={error} onConfirm={(close) => void run({ tokenId: token.id }, close)} />;
}

export function ApiTokensTable({ org, tokens, action }: { org: string; tokens: ApiTokenView[]; action: (org: string, input: ApiTokenRevokeInput) => Promise<ActionResult<unknown>> }) {
  return (
    <Table
      head={["Name", "Token", "Scopes", "Created", "Last used", "Status", ""]}
      empty={<EmptyState title="No API tokens yet">Create one to pull reports from GET /api/v1/reports/usage.</EmptyState>}
      rows={tokens.map((t) => [
        t.name,
        <span key="p" className="font-mono text-xs">
          {t.prefix}…
        </span>,
        t.scopes.join(", "),
        t.created,
        t.lastUsed ?? <span className="text-gray-400">never</span>,
        t.revoked ? <Badge tone="gray">revoked {t.revoked}</Badge> : <Badge tone="green">active</Badge>,
        !t.revoked && t.canRevoke ? <RevokeButton key="r" org={org} token={t} action={action} /> : null,
      ])}
    />
  );
}
