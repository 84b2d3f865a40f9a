import { getPageContextWith } from "@/server/next/page-context";
import { PageHeader } from "@/components/ui/card";
import { ReportParams } from "@/features/reports/report-params";
import { loadReport } from "@/features/reports/server/report";
import { ReportView } from "@/features/reports/components/report-view";

export default async function ReportsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "reports:read");
  const p = ReportParams.parse(await searchParams);
  const report = await loadReport(ctx, p);
  return (
    <>
      <PageHeader title="Reports" description="Spend, tokens, errors and latency across OpenRouter and OpenAI. Click a model, member, project or key to narrow the view." />
      <ReportView report={report} params={p} base={`/${ctx.orgSlug}/reports`} tz={ctx.timeZone} />
    </>
  );
}
