"use client";

import { EmptyState } from "@/components/ui/card";
import { CreateSecretTokenForm, SecretTokensTable, type SecretTokenView } from "@/components/secret-tokens";
import type { ActionResult } from "@/server/next/gate";
import { ApiTokenCreateInput, type ApiTokenRevokeInput } from "../schemas";

export type ApiTokenView = SecretTokenView & { scopes: string[] };

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
  return (
    <CreateSecretTokenForm
      org={org}
      action={action}
      schema={ApiTokenCreateInput}
      input={(name) => ({ name, scopes: ["reports:read"] })}
      formLabel="Create API token"
      field={{ id: "api-token-name", placeholder: "finance-pipeline" }}
      submitLabel="Create read-only token"
      nameError={(errors) => errors.name ?? errors.scopes}
      note={<p className="text-xs text-gray-500">Scope: reports:read (usage reports, exports, scheduled-report runs). Tokens cannot change anything.</p>}
      reveal={{
        testId: "api-token-reveal",
        label: "API token",
        example: (token) => `curl -H "Authorization: Bearer ${token}" "${appUrl}/api/v1/reports/usage?from=2026-11-01&to=2026-12-01&bucket=day&group_by=model"`,
      }}
    />
  );
}

export function ApiTokensTable({ org, tokens, action }: { org: string; tokens: ApiTokenView[]; action: (org: string, input: ApiTokenRevokeInput) => Promise<ActionResult<unknown>> }) {
  return (
    <SecretTokensTable
      org={org}
      tokens={tokens}
      action={action}
      withScopes
      empty={<EmptyState title="No API tokens yet">Create one to pull reports from GET /api/v1/reports/usage.</EmptyState>}
    />
  );
}
