import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { microsToDecimalString } from "@/lib/money";
import { getOrgSettings } from "@/features/settings/server/settings";
import { timeZoneOptions } from "@/features/settings/schemas";
import { listWorkspaces } from "@/features/workspaces/server/workspaces";
import { Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { OrgSettingsForm } from "@/features/settings/components/org-settings-form";
import { RetentionRow } from "@/features/settings/components/retention-shortcut";
import { env } from "@/env";
import { canRevokeApiToken, listApiTokens } from "@/features/api-tokens/server/api-tokens";
import { ApiTokensTable, CreateApiTokenForm } from "@/features/api-tokens/components/api-tokens";
import { createApiTokenAction, revokeApiTokenAction, setWorkspaceRetentionAction, updateOrgSettingsAction } from "./actions";

export const metadata: Metadata = { title: "Settings · Tollgate" };

export default async function SettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "org:read");
  const [settings, workspaces, apiTokens] = await Promise.all([getOrgSettings(ctx), listWorkspaces(ctx), listApiTokens(ctx)]);
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const apiTokenViews = apiTokens.map((t) => ({
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scopes: t.scopes,
    created: fmt.format(t.createdAt),
    lastUsed: t.lastUsedAt ? fmt.format(t.lastUsedAt) : null,
    revoked: t.revokedAt ? fmt.format(t.revokedAt) : null,
    canRevoke: canRevokeApiToken(ctx, t.createdById),
  }));
  const canWrite = ctx.permissions.has("org:write");
  const canWriteWorkspaces = ctx.permissions.has("workspaces:write");
  const view = {
    name: settings.name,
    timeZone: settings.timeZone,
    lowCreditRunwayHours: settings.lowCreditRunwayHours,
    lowCreditBalanceUsd: settings.lowCreditBalanceMicros === null ? "" : microsToDecimalString(settings.lowCreditBalanceMicros).replace(/\.?0+$/, ""),
  };

  return (
    <>
      <PageHeader title="Settings" description="Organization name, time zone, low-credit alerts and how long raw usage events are kept." />
      <div className="space-y-6">
        <Card title="Organization">
          <OrgSettingsForm org={ctx.orgSlug} settings={view} timeZones={timeZoneOptions()} canWrite={canWrite} action={updateOrgSettingsAction} />
        </Card>
        <Card title="Raw-event retention per workspace">
          <p className="mb-3 text-sm text-gray-600">Raw events older than this are deleted nightly; hourly and daily rollups (what budgets and reports use) are kept.</p>
          <Table
            head={["Workspace", "Retention"]}
            empty={<EmptyState title="No workspaces yet" />}
            rows={workspaces.map((w) => [
              <Link key="n" href={`/${ctx.orgSlug}/workspaces/${w.id}`} className="text-blue-700 hover:underline">
                {w.name}
              </Link>,
              canWriteWorkspaces ? (
                <RetentionRow key={`${w.id}-${w.retentionDays}`} org={ctx.orgSlug} workspace={{ id: w.id, name: w.name, retentionDays: w.retentionDays }} action={setWorkspaceRetentionAction} />
              ) : (
                `${w.retentionDays} days`
              ),
            ])}
          />
        </Card>
        <Card title="API tokens (read-only)">
          <p className="mb-3 text-sm text-gray-600">
            For pipelines that pull reports, exports and scheduled-report runs. See the <Link href={`/${ctx.orgSlug}/api-docs`} className="text-blue-700 hover:underline">API reference</Link>.
          </p>
          {ctx.permissions.has("api_tokens:write") ? <CreateApiTokenForm org={ctx.orgSlug} appUrl={env.APP_URL} action={createApiTokenAction} /> : null}
          <div className="mt-4">
            <ApiTokensTable org={ctx.orgSlug} tokens={apiTokenViews} action={revokeApiTokenAction} />
          </div>
        </Card>
      </div>
    </>
  );
}
