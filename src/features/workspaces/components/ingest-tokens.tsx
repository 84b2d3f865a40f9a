"use client";

import { useState, type FormEvent } from "react";
import { Badge, EmptyState, Table } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field, FormError } from "@/components/ui/field";
import { useTenantAction, useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { IngestTokenCreateInput, type IngestTokenRevokeInput } from "../schemas";
import { CopyBox } from "./copy-box";
import { formFields } from "@/components/form-helpers";

export type IngestTokenView = { id: string; name: string; prefix: string; created: string; lastUsed: string | null; revoked: string | null; canRevoke: boolean };

function curlExample(appUrl: string, token: string) {
  const body = JSON.stringify({
    events: [
      {
        id: "req-0001",
        timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        provider: "openai",
        model: "gpt-4o-mini",
        project: "untagged",
        input_tokens: 1200,
        output_tokens: 300,
      },
    ],
  });
  return `curl -X POST ${appUrl}/api/v1/usage \\\n  -H "Authorization: Bearer ${token}" \\\n  -H "Content-Type: application/json" \\\n  -d '${body}'`;
}

/** Creates a token and shows it ONCE: after this box is dismissed only its prefix is known. */
export function CreateIngestTokenForm({
  org,
  workspaceId,
  appUrl,
  action,
}: {
  org: string;
  workspaceId: string;
  appUrl: string;
  action: (org: string, input: IngestTokenCreateInput) => Promise<ActionResult<{ id: string; token: string; prefix: string }>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [revealed, setRevealed] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    submit(IngestTokenCreateInput, { workspaceId, name: formFields(form).name }, (data) => {
      setRevealed(data.token);
      form.reset();
    });
  }

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Create ingest token">
        <FormError message={error} />
        <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-start">
          <Field id="token-create-name" label="Token name" name="name" placeholder="backend-prod" error={errors.name} />
          <div className="sm:pt-6">
            <Button type="submit" pending={pending}>
              Create token
            </Button>
          </div>
        </div>
      </form>
      {revealed ? (
        <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="token-reveal">
          <p className="text-sm font-medium text-amber-900">Copy this token now. It is shown only once; Tollgate keeps only a hash of it.</p>
          <CopyBox label="Ingest token" value={revealed} />
          <CopyBox label="Example request" value={curlExample(appUrl, revealed)} multiline />
          <Button type="button" variant="secondary" onClick={() => setRevealed(null)}>
            I have copied it
          </Button>
        </div>
      ) : null}
    </div>
  );
}

function RevokeButton({ org, token, action }: { org: string; token: IngestTokenView; action: (org: string, input: IngestTokenRevokeInput) => Promise<ActionResult<unknown>> }) {
  const { run, pending, error } = useTenantAction(action, org);
  return <ConfirmButton label="Revoke" confirmLabel={<>Revoke {token.name}</>} pending={pending} error={error} onConfirm={(close) => void run({ tokenId: token.id }, close)} />;
}

export function IngestTokensTable({
  org,
  tokens,
  action,
}: {
  org: string;
  tokens: IngestTokenView[];
  action: (org: string, input: IngestTokenRevokeInput) => Promise<ActionResult<unknown>>;
}) {
  return (
    <Table
      head={["Name", "Token", "Created", "Last used", "Status", ""]}
      empty={<EmptyState title="No ingest tokens yet">Create one to send usage to POST /api/v1/usage.</EmptyState>}
      rows={tokens.map((t) => [
        t.name,
        <span key="p" className="font-mono text-xs">
          {t.prefix}…
        </span>,
        t.created,
        t.lastUsed ?? <span className="text-gray-400">never</span>,
        t.revoked ? <Badge tone="gray">revoked {t.revoked}</Badge> : <Badge tone="green">active</Badge>,
        !t.revoked && t.canRevoke ? <RevokeButton key="r" org={org} token={t} action={action} /> : null,
      ])}
    />
  );
}
