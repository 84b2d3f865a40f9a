import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd } from "@/lib/money";
import { formatDuration } from "@/lib/periods";
import { getConnection } from "@/features/providers/server/connections";
import { listConnectionKeys } from "@/features/providers/server/keys.queries";
import { PROVIDER_INFO, PROVIDER_LABELS } from "@/features/providers/registry";
import { creditStatsFor } from "@/features/alerts/server/credits";
import { spendByDimension } from "@/features/reports/server/entity-spend";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { EntitySpendCard } from "@/features/reports/components/entity-spend-card";

export const metadata: Metadata = { title: "Connection · Tollgate" };

const STATUS_TONE = { active: "green", paused: "amber", deleted: "gray" } as const;

export default async function ConnectionPage({ params }: { params: Promise<{ org: string; connectionId: string }> }) {
  const { org, connectionId } = await params;
  const ctx = await getPageContextWith(org, "connections:read");
  const c = await getConnection(ctx, connectionId).catch((e: unknown) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const canSpend = ctx.permissions.has("reports:read");
  const [keys, spend, credits] = await Promise.all([
    listConnectionKeys(ctx, c.id),
    canSpend ? spendByDimension(ctx, "key") : Promise.resolve(new Map<string, bigint>()),
    PROVIDER_INFO[c.provider].hasCredits && ctx.permissions.has("alerts:read") ? creditStatsFor(c.id, c.name) : Promise.resolve(null),
  ]);
  const base = `/${ctx.orgSlug}`;
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const rows = [...keys].sort((a, b) => Number((spend.get(b.id) ?? 0n) - (spend.get(a.id) ?? 0n)));
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`${base}/connections`} className="text-blue-700 hover:underline">
          ← Connections
        </Link>
      </p>
      <PageHeader
        title={c.name}
        description={
          <>
            {PROVIDER_LABELS[c.provider]} · <Badge tone={c.status === "active" ? "green" : "red"}>{c.status}</Badge> · last polled {c.lastPolledAt ? fmt.format(c.lastPolledAt) : "never"}
          </>
        }
      />
      <div className="space-y-6">
        <EntitySpendCard ctx={ctx} entity={{ param: "conn", id: c.id }} />
        {credits ? (
          <Card title="OpenRouter credits">
            <p className="text-sm">
              Balance {formatUsd(credits.balanceMicros)} · burn {credits.burnMicrosPerHour !== null ? `${formatUsd(credits.burnMicrosPerHour)}/h` : "—"} · runway{" "}
              {credits.runwayHours === null ? "unbounded" : formatDuration(credits.runwayHours * 3_600_000)}
            </p>
          </Card>
        ) : null}
        <Card title={`Keys tracked through it (${keys.length})`}>
          <Table
            head={["Key", "Status", ...(canSpend ? ["Spend (30 d)"] : [])]}
            rows={rows.map((k) => [
              <Link key="l" href={`${base}/keys/${k.id}`} className="font-medium text-blue-700 hover:underline">
                {k.label}
              </Link>,
              <Badge key="s" tone={STATUS_TONE[k.status]}>
                {k.status}
              </Badge>,
              ...(canSpend ? [<span key="c" className="tabular-nums">{formatUsd(spend.get(k.id) ?? 0n)}</span>] : []),
            ])}
            empty={<EmptyState title="No keys tracked yet">Keys appear after the first poll of this connection.</EmptyState>}
          />
        </Card>
      </div>
    </>
  );
}
