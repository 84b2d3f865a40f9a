"use client";

import { EmptyState } from "@/components/ui/card";
import { CreateSecretTokenForm, SecretTokensTable, type SecretTokenView } from "@/components/secret-tokens";
import type { ActionResult } from "@/server/next/gate";
import { IngestTokenCreateInput, type IngestTokenRevokeInput } from "../schemas";

export type IngestTokenView = SecretTokenView;

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
  return (
    <CreateSecretTokenForm
      org={org}
      action={action}
      schema={IngestTokenCreateInput}
      input={(name) => ({ workspaceId, name })}
      formLabel="Create ingest token"
      field={{ id: "token-create-name", placeholder: "backend-prod" }}
      submitLabel="Create token"
      reveal={{ testId: "token-reveal", label: "Ingest token", example: (token) => curlExample(appUrl, token) }}
    />
  );
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
  return <SecretTokensTable org={org} tokens={tokens} action={action} empty={<EmptyState title="No ingest tokens yet">Create one to send usage to POST /api/v1/usage.</EmptyState>} />;
}
