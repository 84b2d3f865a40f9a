import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd } from "@/lib/money";
import { listBudgets } from "@/features/budgets/server/budgets";
import { scopeNames } from "@/features/budgets/server/options";
import { BudgetProgress, formatLeft } from "@/features/budgets/components/budget-progress";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";

export const metadata: Metadata = { title: "Budgets · Tollgate" };

export default async function BudgetsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "budgets:read");
  const budgets = await listBudgets(ctx);
  const names = await Promise.all(budgets.map((b) => scopeNames(ctx, b)));
  const canWrite = ctx.permissions.has("budgets:write");
  const base = `/${ctx.orgSlug}`;
  const newLink = canWrite ? (
    <Link href={`${base}/budgets/new`} className="rounded-md bg-blue-700 px-3 py-2 text-sm font-medium text-white hover:bg-blue-800">
      New budget
    </Link>
  ) : null;

  const rows = budgets.map((b, i) => [
    <div key="n" className="space-y-0.5">
      <Link href={`${base}/budgets/${b.id}`} className="font-medium text-blue-700 hover:underline">
        {b.name}
      </Link>
      <p className="text-xs text-gray-500">{names[i]}</p>
    </div>,
    <span key="p" className="capitalize">
      {b.period}
    </span>,
    <Badge key="m" tone={b.mode === "hard" ? "red" : "blue"}>
      {b.mode}
    </Badge>,
    <span key="s" className="whitespace-nowrap tabular-nums">
      {formatUsd(BigInt(b.status!.spendMicros))} / {formatUsd(BigInt(b.amountMicros))}
    </span>,
    <BudgetProgress key="b" percent={b.status!.percent} warnAt={b.thresholds[0] ?? 80} />,
    <span key="f" className="whitespace-nowrap text-sm tabular-nums">
      {b.status!.projectedMicros ? formatUsd(BigInt(b.status!.projectedMicros)) : "—"}
    </span>,
    <span key="r" className="whitespace-nowrap text-sm text-gray-600">
      {formatLeft(b.status!.timeLeftMs)}
    </span>,
  ]);

  return (
    <>
      <PageHeader
        title="Budgets"
        description={`Spend limits by org, workspace, project tag, key or member, aligned to the calendar in ${ctx.timeZone}. Soft budgets alert; hard budgets also pause keys at 100%.`}
        actions={newLink}
      />
      <Card>
        <Table
          head={["Budget", "Period", "Mode", "Spend / limit", "Used", "Projected", "Reset"]}
          rows={rows}
          empty={
            <EmptyState title="No budgets yet" action={newLink}>
              A budget alerts the right people at 80% and 100% (or your own thresholds), and a hard budget pauses keys before the money is gone.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
