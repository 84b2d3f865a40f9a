import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd } from "@/lib/money";
import { budgetDetail } from "@/features/budgets/server/detail";
import { budgetFormOptions } from "@/features/budgets/server/options";
import { BudgetForm } from "@/features/budgets/components/budget-form";
import { BudgetProgress, formatLeft } from "@/features/budgets/components/budget-progress";
import { DeleteBudgetButton } from "@/features/budgets/components/delete-budget-button";
import { ALERT_KIND_LABELS } from "@/features/alerts/schemas";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { deleteBudgetAction, updateBudgetAction } from "../actions";

export const metadata: Metadata = { title: "Budget · Tollgate" };

export default async function BudgetPage({ params }: { params: Promise<{ org: string; budgetId: string }> }) {
  const { org, budgetId } = await params;
  const ctx = await getPageContextWith(org, "budgets:read");
  const d = await budgetDetail(ctx, { budgetId }).catch((e: unknown) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const b = d.budget;
  const s = b.status!;
  const canWrite = ctx.permissions.has("budgets:write");
  const options = canWrite ? await budgetFormOptions(ctx) : null;
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const base = `/${ctx.orgSlug}`;

  return (
    <>
      <PageHeader
        title={b.name}
        description={
          <>
            {d.scopeName} · <span className="capitalize">{b.period}</span> · <Badge tone={b.mode === "hard" ? "red" : "blue"}>{b.mode}</Badge>
            {b.providerFilter || b.modelFilter ? ` · only ${[b.providerFilter, b.modelFilter].filter(Boolean).join(" / ")}` : null}
          </>
        }
        actions={
          <Link href={base} className="text-sm font-medium text-blue-700 hover:underline">
            Open the spend report
          </Link>
        }
      />
      <div className="space-y-6">
        <Card title="This period">
          <dl className="grid gap-4 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-gray-500">Spend</dt>
              <dd className="text-lg font-semibold tabular-nums">
                {formatUsd(BigInt(s.spendMicros))} <span className="text-sm font-normal text-gray-500">of {formatUsd(BigInt(b.amountMicros))}</span>
              </dd>
              <BudgetProgress percent={s.percent} warnAt={b.thresholds[0] ?? 80} />
            </div>
            <div>
              <dt className="text-gray-500">Projected at period end</dt>
              <dd className="text-lg font-semibold tabular-nums">{s.projectedMicros ? formatUsd(BigInt(s.projectedMicros)) : "—"}</dd>
              <p className="text-xs text-gray-500">Linear: spend so far ÷ share of the period elapsed.</p>
            </div>
            <div>
              <dt className="text-gray-500">Period</dt>
              <dd>
                {fmt.format(new Date(s.periodStart))} → {s.periodEnd ? fmt.format(new Date(s.periodEnd)) : "never"}
              </dd>
              <p className="text-xs text-gray-500">{formatLeft(s.timeLeftMs)}</p>
            </div>
            <div>
              <dt className="text-gray-500">Thresholds</dt>
              <dd>{b.thresholds.map((t) => `${t}%`).join(", ")}</dd>
              <p className="text-xs text-gray-500">{b.paceAlerts ? "Pace alert on" : "Pace alert off"}</p>
            </div>
          </dl>
        </Card>

        <Card title="Keys under this budget">
          <Table
            head={["Key", "Provider", "Status", "Synced credit limit"]}
            rows={d.keys.map((k) => [
              <Link key="k" href={`${base}/keys/${k.id}`} className="text-blue-700 hover:underline">
                {k.label}
              </Link>,
              k.provider,
              k.pausedByThis ? (
                <Badge key="s" tone="red">
                  paused by this budget{k.pausedAt ? ` · ${fmt.format(new Date(k.pausedAt))}` : ""}
                </Badge>
              ) : (
                <Badge key="s" tone={k.status === "active" ? "green" : "amber"}>
                  {k.status}
                </Badge>
              ),
              k.syncedLimitMicros ? formatUsd(BigInt(k.syncedLimitMicros)) : "—",
            ])}
            empty={<EmptyState title="No keys fall under this budget">Keys count when they are attributed to its scope or spent inside it this period.</EmptyState>}
          />
        </Card>

        <Card title="Alerts">
          <Table
            head={["When", "Alert", "Email", "Webhook"]}
            rows={d.alerts.map((a) => [
              fmt.format(new Date(a.createdAt)),
              <span key="t">
                <Badge tone="gray">{ALERT_KIND_LABELS[a.kind] ?? a.kind}</Badge> {a.title}
                {a.superseded ? <span className="ml-1 text-xs text-gray-500">(re-armed after an edit)</span> : null}
              </span>,
              a.emailStatus,
              a.webhookStatus,
            ])}
            empty={<EmptyState title="No alerts yet">Each threshold alerts once per period.</EmptyState>}
          />
        </Card>

        {canWrite && options ? (
          <Card title="Edit">
            <BudgetForm
              org={ctx.orgSlug}
              options={options}
              budgetId={b.id}
              action={updateBudgetAction}
              initial={b}
            />
            <div className="mt-8 border-t border-gray-200 pt-6">
              <DeleteBudgetButton org={ctx.orgSlug} budgetId={b.id} name={b.name} action={deleteBudgetAction} />
            </div>
          </Card>
        ) : null}
      </div>
    </>
  );
}
