import { getPageContextWith } from "@/server/next/page-context";
import { PageHeader } from "@/components/ui/card";
import { ReportParams } from "@/features/reports/report-params";
import { loadReport } from "@/features/reports/server/report";
import { ReportView } from "@/features/reports/components/report-view";
import { getWorkspaceName } from "@/features/reports/server/workspace";

export default async function WorkspaceReportsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org: string; workspaceId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { org, workspaceId } = await params;
  const ctx = await getPageContextWith(org, "reports:read");
  const name = await getWorkspaceName(ctx, workspaceId);
  const p = ReportParams.parse({ ...(await searchParams), ws: undefined });
  const report = await loadReport(ctx, p, { workspaceId });
  return (
    <>
      <PageHeader title={`Reports · ${name}`} description="This workspace's spend, tokens, errors and latency across providers." />
      <ReportView report={report} params={p} base={`/${ctx.orgSlug}/workspaces/${workspaceId}/reports`} tz={ctx.timeZone} lockedWorkspace />
    </>
  );
}
