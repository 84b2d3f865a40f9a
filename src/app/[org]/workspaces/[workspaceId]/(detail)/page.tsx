import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { env } from "@/env";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { getWorkspace } from "@/features/workspaces/server/workspaces";
import { listOwnerCandidates, listProjectTags } from "@/features/workspaces/server/project-tags";
import { canRevokeToken, listWorkspaceTokens } from "@/features/workspaces/server/ingest-tokens";
import { Card, PageHeader } from "@/components/ui/card";
import { EntitySpendCard, TagSpendCard } from "@/features/reports/components/entity-spend-card";
import { CreateProjectTagForm, ProjectTagsTable } from "@/features/workspaces/components/project-tags";
import { CreateIngestTokenForm, IngestTokensTable } from "@/features/workspaces/components/ingest-tokens";
import { DeleteWorkspaceForm, WorkspaceSettingsForm } from "@/features/workspaces/components/workspace-settings-form";
import { updateWorkspaceAction, deleteWorkspaceAction } from "../../actions";
import {
  createIngestTokenAction,
  createProjectTagAction,
  deleteProjectTagAction,
  revokeIngestTokenAction,
  updateProjectTagAction,
} from "../actions";

export const metadata: Metadata = { title: "Workspace · Tollgate" };

export default async function WorkspacePage({ params }: { params: Promise<{ org: string; workspaceId: string }> }) {
  const { org, workspaceId } = await params;
  const ctx = await getPageContextWith(org, "workspaces:read");
  const workspace = await getWorkspace(ctx, workspaceId).catch((e) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const [tags, owners, tokens] = await Promise.all([listProjectTags(ctx, workspace.id), listOwnerCandidates(ctx), listWorkspaceTokens(ctx, workspace.id)]);
  const canWrite = ctx.permissions.has("workspaces:write");
  const canCreateTokens = ctx.permissions.has("ingest_tokens:write");
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });

  const ownerOptions = owners.map((o) => ({ id: o.id, label: o.name ? `${o.name} <${o.email}>` : o.email }));
  const tagViews = tags.map((t) => ({
    id: t.id,
    slug: t.slug,
    name: t.name,
    ownerId: t.ownerId,
    ownerLabel: t.owner ? (t.owner.name ?? t.owner.email) : null,
    isDefault: t.isDefault,
  }));
  const tokenViews = tokens.map((t) => ({
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    created: fmt.format(t.createdAt),
    lastUsed: t.lastUsedAt ? fmt.format(t.lastUsedAt) : null,
    revoked: t.revokedAt ? fmt.format(t.revokedAt) : null,
    canRevoke: canRevokeToken(ctx, t.createdById),
  }));
  const view = { id: workspace.id, name: workspace.name, slug: workspace.slug, retentionDays: workspace.retentionDays };

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/${ctx.orgSlug}/workspaces`} className="text-blue-700 hover:underline">
          ← Workspaces
        </Link>
      </p>
      <PageHeader
        title={workspace.name}
        description={
          <>
            Slug <code className="rounded bg-gray-100 px-1">{workspace.slug}</code> · raw events kept {workspace.retentionDays} days
          </>
        }
      />
      <div className="space-y-6">
        <EntitySpendCard ctx={ctx} entity={{ param: "ws", id: workspace.id }} />
        <TagSpendCard ctx={ctx} workspaceId={workspace.id} tags={tagViews} />
        <Card title="Project tags">
          <div className="space-y-6">
            <p className="text-sm text-gray-600">
              Usage events carry a <code className="rounded bg-gray-100 px-1">project</code> slug; events without one land in the default tag. Each tag can have an owner who
              is told when its budgets cross a threshold.
            </p>
            {canWrite ? <CreateProjectTagForm org={ctx.orgSlug} workspaceId={workspace.id} owners={ownerOptions} action={createProjectTagAction} /> : null}
            <ProjectTagsTable
              org={ctx.orgSlug}
              tags={tagViews}
              owners={ownerOptions}
              canWrite={canWrite}
              actions={{ update: updateProjectTagAction, remove: deleteProjectTagAction }}
            />
          </div>
        </Card>
        <Card title="Ingest tokens">
          <div className="space-y-6">
            <p className="text-sm text-gray-600">
              Tokens authenticate <code className="rounded bg-gray-100 px-1">POST /api/v1/usage</code> for this workspace. Only a hash is stored: a token is shown once,
              when it is created.
            </p>
            {canCreateTokens ? <CreateIngestTokenForm org={ctx.orgSlug} workspaceId={workspace.id} appUrl={env.APP_URL} action={createIngestTokenAction} /> : null}
            <IngestTokensTable org={ctx.orgSlug} tokens={tokenViews} action={revokeIngestTokenAction} />
          </div>
        </Card>
        {canWrite ? (
          <Card title="Workspace settings">
            <div className="space-y-6">
              <WorkspaceSettingsForm org={ctx.orgSlug} workspace={view} action={updateWorkspaceAction} />
              <div className="border-t border-gray-200 pt-4">
                <h3 className="mb-2 text-sm font-semibold text-red-700">Danger zone</h3>
                <DeleteWorkspaceForm org={ctx.orgSlug} workspace={view} action={deleteWorkspaceAction} />
              </div>
            </div>
          </Card>
        ) : null}
      </div>
    </>
  );
}
