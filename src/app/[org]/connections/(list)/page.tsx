import type { Metadata } from "next";
import { getPageContextWith } from "@/server/next/page-context";
import { listConnections } from "@/features/providers/server/connections";
import { listWorkspaces } from "@/features/workspaces/server/workspaces";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { CreateConnectionForm } from "@/features/providers/components/create-connection-form";
import { ConnectionItem } from "@/features/providers/components/connection-item";
import { ConnectionHelp } from "@/features/providers/components/connection-help";
import { OpenRouterWorkspaces } from "@/features/providers/components/openrouter-workspaces";
import { openRouterAccountSections } from "@/features/providers/server/workspace-mapping";
import {
  createConnectionAction,
  deleteConnectionAction,
  mapProviderWorkspaceAction,
  pollConnectionAction,
  rotateConnectionSecretAction,
  updateConnectionAction,
} from "../actions";

export const metadata: Metadata = { title: "Connections · Tollgate" };

export default async function ConnectionsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "connections:read");
  const [connections, workspaces] = await Promise.all([listConnections(ctx), listWorkspaces(ctx)]);
  const orSections = await openRouterAccountSections(ctx, connections);
  const canWrite = ctx.permissions.has("connections:write");
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const wsOptions = workspaces.map((w) => ({ id: w.id, name: w.name }));
  const wsName = new Map(workspaces.map((w) => [w.id, w.name]));

  const views = connections.map((c) => ({
    id: c.id,
    provider: c.provider,
    name: c.name,
    workspaceId: c.workspaceId,
    workspaceName: c.workspaceId ? (wsName.get(c.workspaceId) ?? null) : null,
    baseUrl: c.baseUrl,
    last4: c.secretLast4,
    status: c.status,
    statusReason: c.statusReason,
    lastPolled: c.lastPolledAt ? fmt.format(c.lastPolledAt) : null,
    keyCount: c.keyCount,
  }));
  const actions = { update: updateConnectionAction, rotate: rotateConnectionSecretAction, remove: deleteConnectionAction, poll: pollConnectionAction };

  return (
    <>
      <PageHeader
        title="Provider connections"
        description="Connect OpenRouter and OpenAI so Tollgate can read usage, costs and keys, and pause keys when a hard budget is reached."
      />
      <div className="space-y-6">
        <Card title={`Connections (${views.length})`}>
          {views.length === 0 ? (
            <EmptyState title="No provider connections yet">
              {canWrite ? "Add an OpenRouter management key or an OpenAI admin key below." : "An admin can connect OpenRouter or OpenAI."}
            </EmptyState>
          ) : (
            <ul className="divide-y divide-gray-100">
              {views.map((c) => (
                <ConnectionItem key={c.id} org={ctx.orgSlug} c={c} workspaces={wsOptions} canWrite={canWrite} actions={actions} />
              ))}
            </ul>
          )}
        </Card>
        {orSections.map((s) => (
          <Card key={s.connectionId} title={`OpenRouter workspaces · ${s.connectionName}`}>
            <OpenRouterWorkspaces org={ctx.orgSlug} section={s} workspaces={wsOptions} canWrite={canWrite} action={mapProviderWorkspaceAction} />
          </Card>
        ))}
        {canWrite ? (
          <Card title="Add a connection">
            <CreateConnectionForm org={ctx.orgSlug} workspaces={wsOptions} action={createConnectionAction} />
          </Card>
        ) : null}
        <Card title="Which key do I need?">
          <ConnectionHelp />
        </Card>
      </div>
    </>
  );
}
