import Link from "next/link";
import { getPageContext } from "@/server/next/page-context";
import { orgOverview } from "@/features/tenancy/server/orgs";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { spendOverview } from "@/features/reports/server/overview";
import { OverviewReport } from "@/features/reports/components/overview";
import { ReportRange } from "@/features/reports/schemas";

function Stat({ label, value, href }: { label: string; value: number; href: string }) {
  return (
    <Link href={href} className="block rounded-lg border border-gray-200 bg-white p-4 shadow-sm transition-colors hover:border-blue-300">
      <p className="text-sm text-gray-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold text-gray-900">{value}</p>
    </Link>
  );
}

const RANGES = [7, 30, 90];

export default async function OverviewPage({
  params,
  searchParams,
}: {
  params: Promise<{ org: string }>;
  searchParams: Promise<{ days?: string }>;
}) {
  const { org } = await params;
  const ctx = await getPageContext(org);
  const parsed = ReportRange.safeParse({ days: (await searchParams).days ?? 30 });
  const days = parsed.success ? parsed.data.days : 30;
  const [counts, spend] = await Promise.all([orgOverview(ctx), spendOverview(ctx, { days })]);
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
          <>
            <div className="mb-4 flex gap-2 text-sm" aria-label="Range">
              {RANGES.map((d) => (
                <Link
                  key={d}
                  href={`${base}?days=${d}`}
                  aria-current={d === days ? "page" : undefined}
                  className={`rounded-md px-3 py-1 ${d === days ? "bg-blue-700 text-white" : "border border-gray-300 bg-white text-gray-700 hover:bg-gray-50"}`}
                >
                  Last {d} days
                </Link>
              ))}
            </div>
            <OverviewReport data={spend} days={days} />
          </>
        )}
      </div>
    </>
  );
}
