import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { listWorkspaces } from "@/features/workspaces/server/workspaces";
import { Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { CreateWorkspaceForm } from "@/features/workspaces/components/create-workspace-form";
import { createWorkspaceAction } from "../actions";

export const metadata: Metadata = { title: "Workspaces · Tollgate" };

export default async function WorkspacesPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "workspaces:read");
  const workspaces = await listWorkspaces(ctx);
  const canWrite = ctx.permissions.has("workspaces:write");
  const date = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: ctx.timeZone });

  return (
    <>
      <PageHeader
        title="Workspaces"
        description="Workspaces separate usage (each has its own ingest tokens and raw-event retention). Project tags inside a workspace attribute spend to teams and products."
      />
      <div className="space-y-6">
        {canWrite ? (
          <Card title="New workspace">
            <CreateWorkspaceForm org={ctx.orgSlug} action={createWorkspaceAction} />
          </Card>
        ) : null}
        <Card title={`Workspaces (${workspaces.length})`}>
          <Table
            head={["Name", "Slug", "Retention", "Project tags", "Active tokens", "Created"]}
            empty={<EmptyState title="No workspaces yet">{canWrite ? "Create one above to start sending usage." : "An admin has not created a workspace yet."}</EmptyState>}
            rows={workspaces.map((w) => [
              <Link key="n" href={`/${ctx.orgSlug}/workspaces/${w.id}`} className="font-medium text-blue-700 hover:underline">
                {w.name}
              </Link>,
              <span key="s" className="font-mono text-xs">
                {w.slug}
              </span>,
              `${w.retentionDays} days`,
              w.tagCount,
              w.activeTokenCount,
              date.format(w.createdAt),
            ])}
          />
        </Card>
      </div>
    </>
  );
}
