import Link from "next/link";
import { getPageContext } from "@/server/next/page-context";
import { orgOverview } from "@/features/tenancy/server/orgs";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";

function Stat({ label, value, href }: { label: string; value: number; href: string }) {
  return (
    <Link href={href} className="block rounded-lg border border-gray-200 bg-white p-4 shadow-sm transition-colors hover:border-blue-300">
      <p className="text-sm text-gray-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold text-gray-900">{value}</p>
    </Link>
  );
}

export default async function OverviewPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContext(org);
  const counts = await orgOverview(ctx);
  const base = `/${ctx.orgSlug}`;
  const noUsageSource = counts.connections === 0 && counts.ingestTokens === 0;
  return (
    <>
      <PageHeader title={ctx.orgName} description="Overview of your organization's LLM spend." />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Workspaces" value={counts.workspaces} href={`${base}/workspaces`} />
        <Stat label="Members" value={counts.members} href={`${base}/members`} />
        <Stat label="Connections" value={counts.connections} href={`${base}/connections`} />
        <Stat label="Ingest tokens" value={counts.ingestTokens} href={`${base}/workspaces`} />
      </div>
      <div className="mt-6">
        {noUsageSource ? (
          <EmptyState
            title="No usage yet"
            action={
              <div className="flex flex-wrap justify-center gap-2">
                <Link href={`${base}/connections`} className="rounded-md bg-blue-700 px-3 py-2 text-sm font-medium text-white hover:bg-blue-800">
                  Connect OpenRouter or OpenAI
                </Link>
                <Link href={`${base}/workspaces`} className="rounded-md border border-gray-300 bg-white px-3 py-2 text-sm font-medium text-gray-800 hover:bg-gray-50">
                  Create an ingest token
                </Link>
              </div>
            }
          >
            Connect a provider account in Connections, or send usage from your gateway with a workspace&apos;s ingest token. Spend shows up here once usage arrives.
          </EmptyState>
        ) : (
          <Card title="Spend">
            <p className="text-sm text-gray-600">Spend reports appear here once usage has been collected.</p>
          </Card>
        )}
      </div>
    </>
  );
}
