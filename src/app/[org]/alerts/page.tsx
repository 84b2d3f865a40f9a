import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd, microsToDecimalString, microsToUsdNumber } from "@/lib/money";
import { getAnomalySettings, listAlerts } from "@/features/alerts/server/feed";
import { listCreditStats } from "@/features/alerts/server/credits";
import { ANOMALY_METHOD } from "@/features/alerts/server/anomaly";
import { ALERT_KIND_LABELS } from "@/features/alerts/schemas";
import { AckButton } from "@/features/alerts/components/ack-button";
import { CreditsChart } from "@/features/alerts/components/credits-chart";
import { AnomalySettingsForm } from "@/features/alerts/components/anomaly-settings-form";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { acknowledgeAlertAction, updateAnomalySettingsAction } from "./actions";

export const metadata: Metadata = { title: "Alerts · Tollgate" };

const DELIVERY_TONE: Record<string, "green" | "amber" | "red" | "gray"> = { sent: "green", pending: "amber", sending: "amber", failed: "red", none: "gray" };

export default async function AlertsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<{ open?: string; cursor?: string }> }) {
  const { org } = await params;
  const sp = await searchParams;
  const ctx = await getPageContextWith(org, "alerts:read");
  const onlyOpen = sp.open === "1";
  const [feed, credits, anomaly] = await Promise.all([listAlerts(ctx, { onlyOpen, cursor: sp.cursor?.slice(0, 64) }), listCreditStats(ctx), getAnomalySettings(ctx)]);
  const canWrite = ctx.permissions.has("alerts:write");
  const base = `/${ctx.orgSlug}`;
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const hourFmt = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", hour: "2-digit", timeZone: ctx.timeZone });
  const link = (a: (typeof feed.items)[number]) =>
    a.budgetId ? `${base}/budgets/${a.budgetId}` : a.subjectType === "provider_key" || a.subjectType === "key" ? `${base}/keys/${a.subjectId}` : null;

  const rows = feed.items.map((a) => {
    const href = link(a);
    return [
      <span key="w" className="whitespace-nowrap text-sm">
        {fmt.format(new Date(a.createdAt))}
      </span>,
      <div key="t" className="space-y-1">
        <Badge tone={a.kind === "budget_threshold" || a.kind === "key_paused" || a.kind === "enforcement_failed" ? "red" : a.kind === "key_resumed" ? "green" : "amber"}>{ALERT_KIND_LABELS[a.kind] ?? a.kind}</Badge>
        <p className="text-sm">{href ? <Link href={href} className="text-blue-700 hover:underline">{a.title}</Link> : a.title}</p>
        {a.superseded ? <p className="text-xs text-gray-500">Re-armed after the budget was edited.</p> : null}
      </div>,
      <div key="d" className="space-y-1 text-xs">
        <Badge tone={DELIVERY_TONE[a.emailStatus] ?? "gray"}>email {a.emailStatus}</Badge>{" "}
        {a.webhookStatus !== "none" ? <Badge tone={DELIVERY_TONE[a.webhookStatus] ?? "gray"}>webhook {a.webhookStatus}</Badge> : null}
        {a.emailError || a.webhookError ? <p className="text-red-600">{a.emailError ?? a.webhookError}</p> : null}
      </div>,
      a.acknowledgedAt ? (
        <span key="a" className="text-xs text-gray-600">
          Acknowledged by {a.acknowledgedBy} · {fmt.format(new Date(a.acknowledgedAt))}
        </span>
      ) : canWrite ? (
        <AckButton key="a" org={ctx.orgSlug} alertId={a.id} action={acknowledgeAlertAction} />
      ) : (
        <span key="a" className="text-xs text-gray-500">open</span>
      ),
    ];
  });

  return (
    <>
      <PageHeader
        title="Alerts"
        description="Budget thresholds and pace, key pauses and resumes, low OpenRouter credits and spend spikes. Each alert is emailed (and posted to the budget's webhook) once."
        actions={
          <div className="flex gap-3 text-sm">
            <Link href={`${base}/alerts`} className={onlyOpen ? "text-blue-700 hover:underline" : "font-semibold text-gray-900"}>
              All
            </Link>
            <Link href={`${base}/alerts?open=1`} className={onlyOpen ? "font-semibold text-gray-900" : "text-blue-700 hover:underline"}>
              Not acknowledged
            </Link>
          </div>
        }
      />
      <div className="space-y-6">
        <Card>
          <Table
            head={["When", "Alert", "Delivery", ""]}
            rows={rows}
            empty={<EmptyState title={onlyOpen ? "Nothing left to acknowledge" : "No alerts yet"}>Alerts appear here when a budget crosses a threshold, a key is paused, credits run low or spend spikes.</EmptyState>}
          />
          {feed.nextCursor ? (
            <p className="mt-4 text-sm">
              <Link href={`${base}/alerts?${onlyOpen ? "open=1&" : ""}cursor=${feed.nextCursor}`} className="text-blue-700 hover:underline">
                Older alerts →
              </Link>
            </p>
          ) : null}
        </Card>

        <Card title="OpenRouter credits">
          {credits.length === 0 ? (
            <EmptyState title="No credit data yet">Connect OpenRouter with a management key; its balance is recorded on every poll.</EmptyState>
          ) : (
            <div className="space-y-8">
              {credits.map((c) => (
                <div key={c.connectionId} className="space-y-3">
                  <dl className="grid gap-4 text-sm sm:grid-cols-4">
                    <div>
                      <dt className="text-gray-500">{c.name}: balance</dt>
                      <dd className="text-lg font-semibold tabular-nums">{formatUsd(c.balanceMicros)}</dd>
                    </div>
                    <div>
                      <dt className="text-gray-500">Burn rate, last 24 h</dt>
                      <dd className="tabular-nums">{c.burn24hMicrosPerHour === null ? "—" : `${formatUsd(c.burn24hMicrosPerHour)}/h`}</dd>
                    </div>
                    <div>
                      <dt className="text-gray-500">Burn rate, last 7 d</dt>
                      <dd className="tabular-nums">{c.burn7dMicrosPerHour === null ? "—" : `${formatUsd(c.burn7dMicrosPerHour)}/h`}</dd>
                    </div>
                    <div>
                      <dt className="text-gray-500">Runway</dt>
                      <dd className="tabular-nums">{c.runwayHours === null ? "no recent spend" : `${c.runwayHours} h`}</dd>
                      {c.burnSource === "spend" && c.burnMicrosPerHour !== null ? (
                        <dd className="text-xs text-gray-500">at {formatUsd(c.burnMicrosPerHour)}/h from recorded spend (credit snapshots show no burn yet)</dd>
                      ) : null}
                    </div>
                  </dl>
                  <CreditsChart data={c.history.map((h) => ({ time: hourFmt.format(h.at), Balance: microsToUsdNumber(h.balanceMicros) }))} />
                </div>
              ))}
              <p className="text-xs text-gray-500">Burn rate is measured on total usage, so top-ups don&apos;t hide spend. Runway = balance ÷ the 24-hour burn rate; while the snapshots show no burn, the OpenRouter spend Tollgate recorded is used. Thresholds are set in Settings.</p>
            </div>
          )}
        </Card>

        <Card title="Spend spikes">
          <p className="mb-4 text-sm text-gray-600">{ANOMALY_METHOD} Checked hourly, per member and per key.</p>
          {canWrite ? (
            <AnomalySettingsForm
              org={ctx.orgSlug}
              initial={{ anomalyMinSpendUsd: microsToDecimalString(BigInt(anomaly.anomalyMinSpendMicros), 2), anomalyAutoPause: anomaly.anomalyAutoPause }}
              action={updateAnomalySettingsAction}
            />
          ) : (
            <p className="text-sm">
              Spikes under {formatUsd(BigInt(anomaly.anomalyMinSpendMicros))}/h are ignored; automatic pause is {anomaly.anomalyAutoPause ? "on" : "off"}.
            </p>
          )}
        </Card>
      </div>
    </>
  );
}
