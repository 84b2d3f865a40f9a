import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd } from "@/lib/money";
import { listTrackedKeys } from "@/features/providers/server/keys.queries";
import { spendByDimension } from "@/features/reports/server/entity-spend";
import { listWorkspaces } from "@/features/workspaces/server/workspaces";
import { listOrgProjectTags } from "@/features/workspaces/server/project-tags";
import { PROVIDER_INFO, PROVIDER_LABELS } from "@/features/providers/registry";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { KeyAttributionForm } from "@/features/providers/components/key-attribution-form";
import { KeyMemberForm } from "@/features/providers/components/key-member-form";
import { listMembers } from "@/features/tenancy/server/members";
import { setKeyAttributionAction, setKeyMemberAction } from "../actions";

export const metadata: Metadata = { title: "Keys · Tollgate" };

const STATUS_TONE = { active: "green", paused: "amber", deleted: "gray" } as const;

export default async function KeysPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "keys:read");
  const canWrite = ctx.permissions.has("keys:write");
  const [keys, workspaces, tags, spend, members] = await Promise.all([
    listTrackedKeys(ctx),
    listWorkspaces(ctx),
    listOrgProjectTags(ctx),
    ctx.permissions.has("reports:read") ? spendByDimension(ctx, "key") : Promise.resolve(new Map<string, bigint>()),
    canWrite && ctx.permissions.has("members:read") ? listMembers(ctx) : Promise.resolve([]),
  ]);
  const memberOptions = members.map((m) => ({ userId: m.userId, email: m.email }));
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const wsOptions = workspaces.map((w) => ({ id: w.id, name: w.name }));
  const tagOptions = tags.map((t) => ({ id: t.id, workspaceId: t.workspaceId, label: `${t.name} (${t.slug})`, isDefault: t.isDefault }));
  const base = `/${ctx.orgSlug}`;

  const rows = keys.map((k) => [
    <div key="l" className="space-y-0.5">
      <Link href={`${base}/keys/${k.id}`} className="font-medium text-blue-700 hover:underline">
        {k.label}
      </Link>
      <p className="text-xs text-gray-500">{k.connection?.name ?? "no connection"}</p>
      {k.owner || k.externalUser ? (
        <p className="text-xs text-gray-500">
          {k.owner ? `created by ${k.owner}` : null}
          {k.owner && k.externalUser ? " · " : null}
          {k.externalUser ? `end user ${k.externalUser}` : null}
        </p>
      ) : null}
    </div>,
    PROVIDER_LABELS[k.provider],
    canWrite && k.status !== "deleted" ? (
      <div key="a" className="space-y-1">
        <KeyAttributionForm
          org={ctx.orgSlug}
          keyId={k.id}
          label={k.label}
          workspaceId={k.workspaceId}
          projectTagId={k.projectTagId}
          workspaces={wsOptions}
          tags={tagOptions}
          action={setKeyAttributionAction}
        />
        <KeyMemberForm org={ctx.orgSlug} keyId={k.id} label={k.label} memberUserId={k.member ? k.memberUserId : null} members={memberOptions} action={setKeyMemberAction} />
      </div>
    ) : (
      <div key="a" className="space-y-0.5 text-sm">
        <span>{k.workspace ? `${k.workspace.name} / ${k.projectTag?.slug ?? "untagged"}` : <span className="text-gray-400">unattributed</span>}</span>
        {k.member ? <p className="text-xs text-gray-500">member {k.member}</p> : null}
      </div>
    ),
    <div key="s" className="space-y-0.5">
      <Badge tone={STATUS_TONE[k.status]}>{k.status}</Badge>
      {k.status === "paused" ? (
        <p className="text-xs text-gray-600">
          {k.pauseReason ?? (k.pausedByTollgate ? "Paused by Tollgate" : "Disabled at the provider")}
          {k.pausedByBudget ? (
            <>
              {" · "}
              <Link href={`${base}/budgets/${k.pausedByBudget.id}`} className="text-blue-700 hover:underline">
                {k.pausedByBudget.name}
              </Link>
            </>
          ) : null}
          {k.pausedAt ? ` · ${fmt.format(k.pausedAt)}` : null}
        </p>
      ) : null}
    </div>,
    <Link key="sp" href={`${base}/reports?key=${k.id}`} className="whitespace-nowrap text-sm text-blue-700 hover:underline">
      {formatUsd(spend.get(k.id) ?? 0n)}
    </Link>,
    <span key="u" className="whitespace-nowrap text-sm">
      {k.providerUsageMicros !== null ? formatUsd(k.providerUsageMicros) : !PROVIDER_INFO[k.provider].reportsKeyUsage ? `not reported by ${PROVIDER_INFO[k.provider].label}` : "—"}
      {" / "}
      {k.providerLimitMicros !== null ? formatUsd(k.providerLimitMicros) : "no limit"}
    </span>,
    k.lastSeenAt ? fmt.format(k.lastSeenAt) : <span className="text-gray-400">—</span>,
  ]);

  return (
    <>
      <PageHeader
        title="Keys"
        description="Provider API keys Tollgate tracks. They are discovered by polling your connections; attribute each to a workspace and project tag so budgets can act on it."
      />
      <Card>
        <Table
          head={["Key", "Provider", "Workspace / project tag / member", "Status", "Spend (30 d)", "Provider usage / limit", "Last seen"]}
          rows={rows}
          empty={
            <EmptyState
              title="No tracked keys yet"
              action={
                <Link href={`${base}/connections`} className="text-sm font-medium text-blue-700 hover:underline">
                  Go to connections
                </Link>
              }
            >
              Keys appear after the first poll of an OpenRouter or OpenAI connection.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
