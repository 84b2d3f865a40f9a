"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import type { z } from "zod";
import { Badge, Table } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field, FormError } from "@/components/ui/field";
import { useTenantAction, useTenantForm } from "@/components/use-tenant-action";
import { formFields } from "@/components/form-helpers";
import type { ActionResult } from "@/server/next/gate";
import { CopyBox } from "@/features/workspaces/components/copy-box";

/**
 * Bearer tokens Tollgate keeps only a hash of (workspace ingest tokens, org API tokens): the
 * create form that shows a new token once, and the list with revoke. The features wrap these
 * with their own schema, labels and example request.
 */

export type SecretTokenView = { id: string; name: string; prefix: string; scopes?: string[]; created: string; lastUsed: string | null; revoked: string | null; canRevoke: boolean };
type Revoke = (org: string, input: { tokenId: string }) => Promise<ActionResult<unknown>>;
type Created = { id: string; token: string; prefix: string };

export function CreateSecretTokenForm<I>({
  org,
  action,
  schema,
  input,
  formLabel,
  field,
  submitLabel,
  note,
  reveal,
  nameError = (errors) => errors.name,
}: {
  org: string;
  action: (org: string, input: I) => Promise<ActionResult<Created>>;
  schema: z.ZodType<I>;
  /** The action's input for the typed name. */
  input: (name: string) => unknown;
  formLabel: string;
  field: { id: string; placeholder: string };
  submitLabel: string;
  note?: ReactNode;
  reveal: { testId: string; label: string; example: (token: string) => string };
  nameError?: (errors: Record<string, string>) => string | undefined;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [revealed, setRevealed] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    submit(schema, input(formFields(form).name ?? ""), (data) => {
      setRevealed(data.token);
      form.reset();
    });
  }

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={formLabel}>
        <FormError message={error} />
        <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-start">
          <Field id={field.id} label="Token name" name="name" placeholder={field.placeholder} error={nameError(errors)} />
          <div className="sm:pt-6">
            <Button type="submit" pending={pending}>
              {submitLabel}
            </Button>
          </div>
        </div>
        {note}
      </form>
      {revealed ? (
        <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid={reveal.testId}>
          <p className="text-sm font-medium text-amber-900">Copy this token now. It is shown only once; Tollgate keeps only a hash of it.</p>
          <CopyBox label={reveal.label} value={revealed} />
          <CopyBox label="Example request" value={reveal.example(revealed)} multiline />
          <Button type="button" variant="secondary" onClick={() => setRevealed(null)}>
            I have copied it
          </Button>
        </div>
      ) : null}
    </div>
  );
}

function RevokeButton({ org, token, action }: { org: string; token: SecretTokenView; action: Revoke }) {
  const { run, pending, error } = useTenantAction(action, org);
  return <ConfirmButton label="Revoke" confirmLabel={<>Revoke {token.name}</>} pending={pending} error={error} onConfirm={(close) => void run({ tokenId: token.id }, close)} />;
}

/** The token list; a Scopes column when `withScopes`. */
export function SecretTokensTable({ org, tokens, action, empty, withScopes = false }: { org: string; tokens: SecretTokenView[]; action: Revoke; empty: ReactNode; withScopes?: boolean }) {
  return (
    <Table
      head={["Name", "Token", ...(withScopes ? ["Scopes"] : []), "Created", "Last used", "Status", ""]}
      empty={empty}
      rows={tokens.map((t) => [
        t.name,
        <span key="p" className="font-mono text-xs">
          {t.prefix}…
        </span>,
        ...(withScopes ? [(t.scopes ?? []).join(", ")] : []),
        t.created,
        t.lastUsed ?? <span className="text-gray-400">never</span>,
        t.revoked ? <Badge tone="gray">revoked {t.revoked}</Badge> : <Badge tone="green">active</Badge>,
        !t.revoked && t.canRevoke ? <RevokeButton key="r" org={org} token={t} action={action} /> : null,
      ])}
    />
  );
}
