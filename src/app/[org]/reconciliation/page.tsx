import type { Metadata } from "next";
import { getPageContextWith } from "@/server/next/page-context";
import { listReconciliation } from "@/features/providers/server/reconciliation";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { ReconciliationTable } from "@/features/providers/components/reconciliation-table";

export const metadata: Metadata = { title: "Reconciliation · Tollgate" };

export default async function ReconciliationPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "connections:read");
  const { rows, thresholdPercent } = await listReconciliation(ctx);
  return (
    <>
      <PageHeader
        title="Reconciliation against the bill"
        description={`Per connection and closed UTC day (last 90 days): what Tollgate counted next to what the provider billed. A drift above ${thresholdPercent} % raises an alert.`}
      />
      <Card title={`Closed days (${rows.length})`}>
        {rows.length === 0 ? (
          <EmptyState title="Nothing to reconcile yet">A day appears here once it has ended and its bill was read (OpenAI Costs API, OpenRouter activity).</EmptyState>
        ) : (
          <ReconciliationTable rows={rows} />
        )}
      </Card>
    </>
  );
}
