import Link from "next/link";
import { Card, Table } from "@/components/ui/card";
import { formatUsd, microsToUsdNumber } from "@/lib/money";
import type { TenantContext } from "@/server/tenant";
import { entitySpend, spendByDimension, type EntityRef } from "../server/entity-spend";
import { ReportChart } from "./report-charts";

/** Spend, trend and budgets of a key, member, project tag, workspace or connection (its page's header card). */
export async function EntitySpendCard({ ctx, entity }: { ctx: TenantContext; entity: EntityRef }) {
  if (!ctx.permissions.has("reports:read")) return null;
  const s = await entitySpend(ctx, entity);
  const base = `/${ctx.orgSlug}`;
  // A connection has no single report filter (it is the sum of its keys): its page links each key instead.
  const report =
    entity.param === "conn" ? null : entity.param === "ws" ? `${base}/workspaces/${entity.id}/reports` : `${base}/reports?${entity.param}=${encodeURIComponent(entity.id)}`;
  const delta = s.previousMicros > 0n ? `${(Number(((s.costMicros - s.previousMicros) * 1000n) / s.previousMicros) / 10).toFixed(1)} %` : null;
  return (
    <Card
      title="Spend, last 30 days"
      actions={
        report ? (
          <Link href={report} className="text-sm text-blue-700 hover:underline">
            Open in reports
          </Link>
        ) : undefined
      }
    >
      <p className="text-2xl font-semibold text-gray-900">{formatUsd(s.costMicros)}</p>
      <p className="text-xs text-gray-500">
        {s.requests.toLocaleString("en-US")} requests · previous 30 days {formatUsd(s.previousMicros)}
        {delta ? ` (${s.costMicros >= s.previousMicros ? "+" : ""}${delta})` : ""}
      </p>
      <ReportChart kind="bar" data={s.daily.map((d) => ({ day: d.day, cost: microsToUsdNumber(d.costMicros) }))} index="day" categories={["cost"]} format="usd" />
      {s.budgets.length === 0 ? (
        // The key page lists every budget that applies to the key in its own card.
        entity.param === "key" ? null : <p className="mt-3 text-sm text-gray-500">No budget is scoped to it.</p>
      ) : (
        <ul className="mt-3 space-y-1 text-sm">
          {s.budgets.map((b) => (
            <li key={b.id}>
              <Link href={`${base}/budgets/${b.id}`} className="text-blue-700 hover:underline">
                {b.name}
              </Link>{" "}
              — {b.status ? `${b.status.percent.toFixed(1)} % of $${b.amountUsd} (${b.period})` : b.period}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** Each project tag's spend over the last 30 days, linked to the workspace report narrowed to it. */
export async function TagSpendCard({ ctx, workspaceId, tags }: { ctx: TenantContext; workspaceId: string; tags: { id: string; slug: string; name: string }[] }) {
  if (!ctx.permissions.has("reports:read")) return null;
  const spend = await spendByDimension(ctx, "projectTag");
  const rows = [...tags].sort((a, b) => Number((spend.get(b.id) ?? 0n) - (spend.get(a.id) ?? 0n)));
  return (
    <Card title="Spend by project tag, last 30 days">
      <Table
        head={["Project tag", "Spend"]}
        rows={rows.map((t) => [
          <Link key="t" href={`/${ctx.orgSlug}/tags/${t.id}`} className="text-blue-700 hover:underline">
            {t.name} ({t.slug})
          </Link>,
          <Link key="s" href={`/${ctx.orgSlug}/workspaces/${workspaceId}/reports?tag=${t.id}`} className="text-blue-700 hover:underline">
            {formatUsd(spend.get(t.id) ?? 0n)}
          </Link>,
        ])}
      />
    </Card>
  );
}
