import Link from "next/link";
import { Card, EmptyState } from "@/components/ui/card";
import { formatUsd, microsToUsdNumber } from "@/lib/money";
import { formatDuration } from "@/lib/periods";
import { labelOf } from "@/features/usage/server/labels";
import type { UsageRow } from "@/features/usage/server/rollups";
import { withParams, type ReportParams } from "../report-params";
import type { Report } from "../server/report";
import { ReportChart } from "./report-charts";
import { AutoRefresh } from "./auto-refresh";
import { ErrorRecordsCard, LatencyCard, ModelsCard, RouteQualityCard, SliceCard } from "./report-tables";
import { FilterBar } from "./filter-bar";

const n = (v: bigint) => v.toLocaleString("en-US");
const pctOf = (part: bigint, whole: bigint) => (whole > 0n ? Number((part * 10_000n) / whole) / 100 : 0);

function Delta({ now, before, money = false }: { now: bigint; before: bigint | undefined; money?: boolean }) {
  if (before === undefined) return null;
  const diff = now - before;
  const pct = before > 0n ? `${diff >= 0n ? "+" : ""}${(Number((diff * 1000n) / before) / 10).toFixed(1)} %` : "new";
  return (
    <p className="mt-1 text-xs text-gray-500">
      vs previous period: {money ? formatUsd(before) : n(before)} ({pct})
    </p>
  );
}

function Kpi({ label, value, children }: { label: string; value: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-gray-200 bg-white p-4 shadow-sm">
      <p className="text-sm text-gray-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold text-gray-900">{value}</p>
      {children}
    </div>
  );
}

/** Bucket rows (one per bucket × series) → chart rows keyed by local date. */
function series(rows: UsageRow[], dim: "provider" | "service", value: (r: UsageRow) => number, tz: string) {
  const byDay = new Map<string, Record<string, string | number>>();
  const cats = new Set<string>();
  for (const r of rows) {
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(r.bucket!);
    const cat = r.dims[dim] === "-" ? "none" : r.dims[dim]!;
    cats.add(cat);
    const row = byDay.get(day) ?? { day };
    row[cat] = (Number(row[cat] ?? 0) || 0) + value(r);
    byDay.set(day, row);
  }
  return { data: [...byDay.values()], categories: [...cats] };
}

export function ReportView({ report: r, params: p, base, tz, lockedWorkspace }: { report: Report; params: ReportParams; base: string; tz: string; lockedWorkspace?: boolean }) {
  const t = r.totals.sums;
  const prev = r.previous?.sums;
  const drill = (key: keyof ReportParams) => (v: string) => `${base}${withParams(p, { [key]: v })}`;
  const tokens = (t.inputTokens ?? 0n) + (t.outputTokens ?? 0n);
  const cost = series(r.daily, "provider", (x) => microsToUsdNumber(x.sums.costMicros ?? 0n), tz);
  const reqs = series(r.daily, "provider", (x) => Number(x.sums.requests ?? 0n), tz);
  const svc = series(r.tokensByService, "service", (x) => Number((x.sums.inputTokens ?? 0n) + (x.sums.outputTokens ?? 0n)), tz);
  const p95 = series(r.daily, "provider", (x) => x.p95 ?? 0, tz);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <FilterBar params={p} base={base} labels={r.labels} lockedWorkspace={lockedWorkspace} dates={r.dates} languages={r.languages.map((l) => l.value)} />
        <AutoRefresh seconds={60} />
      </div>
      {(t.requests ?? 0n) === 0n ? (
        <EmptyState title="No usage in this range">Try a longer range or clear a filter. Usage appears here within seconds of arriving.</EmptyState>
      ) : (
        <>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Kpi label="Cost" value={formatUsd(t.costMicros ?? 0n)}>
              <Delta now={t.costMicros ?? 0n} before={prev?.costMicros} money />
              <p className="mt-1 text-xs text-gray-500">
                {r.providers.map((x) => `${x.label}: ${formatUsd(x.costMicros)}`).join(" · ")}
              </p>
            </Kpi>
            <Kpi label="Total tokens" value={n(tokens)}>
              <p className="mt-1 text-xs text-gray-500">
                input {n(t.inputTokens ?? 0n)} · output {n(t.outputTokens ?? 0n)}
              </p>
              <Delta now={tokens} before={prev ? (prev.inputTokens ?? 0n) + (prev.outputTokens ?? 0n) : undefined} />
            </Kpi>
            <Kpi label="Requests" value={n(t.requests ?? 0n)}>
              <p className="mt-1 text-xs text-gray-500">error rate {pctOf(t.errors ?? 0n, t.requests ?? 0n).toFixed(2)} %</p>
              <Delta now={t.requests ?? 0n} before={prev?.requests} />
            </Kpi>
            <Kpi label="Cache utilization" value={`${pctOf(t.cachedTokens ?? 0n, t.inputTokens ?? 0n).toFixed(1)} %`}>
              <p className="mt-1 text-xs text-gray-500">of input tokens served from cache; saved about {formatUsd(r.cacheSavedMicros)}</p>
              <p className="mt-1 text-xs text-gray-500">
                latency p50 {r.totals.p50 ?? "—"} · p95 {r.totals.p95 ?? "—"} · p99 {r.totals.p99 ?? "—"} ms
              </p>
            </Kpi>
          </div>
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
            <Card title="Cost over time">
              <ReportChart kind="bar" data={cost.data} index="day" categories={cost.categories} format="usd" stack />
            </Card>
            <Card title="Requests over time">
              <ReportChart kind="area" data={reqs.data} index="day" categories={reqs.categories} format="int" stack />
            </Card>
            <Card title="Tokens over time by service">
              <ReportChart kind="area" data={svc.data} index="day" categories={svc.categories} format="int" stack />
            </Card>
            <Card title="Request duration p95 over time">
              <ReportChart kind="line" data={p95.data} index="day" categories={p95.categories} format="ms" />
            </Card>
            <Card title="Hourly distribution (requests by hour of day)">
              <ReportChart kind="bar" data={r.hourOfDay.map((h) => ({ hour: `${h.hour}:00`, requests: Number(h.requests) }))} index="hour" categories={["requests"]} format="int" />
            </Card>
            <ModelsCard rows={r.models} href={drill("model")} />
            <RouteQualityCard rows={r.models} href={drill("model")} />
            <LatencyCard rows={r.latency} href={drill("model")} />
            <SliceCard title="Cost by member (top users)" rows={r.members} href={drill("member")} />
            <SliceCard title="Cost by project tag" rows={r.projects} href={drill("tag")} />
            <SliceCard title="Cost by key" rows={r.keys} href={drill("key")} />
            <SliceCard title="Cost by provider" rows={r.providers} href={drill("provider")} />
            <SliceCard title="Cost by service" rows={r.services} href={drill("service")} />
            <SliceCard title="Cost by language" rows={r.languages} href={drill("language")} />
          </div>
          <ErrorRecordsCard rows={r.errors} label={(dim, id) => labelOf(r.labels, dim, id ?? "-")} />
        </>
      )}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card title="Budget consumption">
          {r.budgets.length === 0 ? (
            <p className="text-sm text-gray-500">No budgets in scope.</p>
          ) : (
            <ul className="space-y-2 text-sm">
              {r.budgets.map((b) => (
                <li key={b.id}>
                  <Link href={`${base.replace(/(\/workspaces\/[^/]+)?\/reports$/, "")}/budgets/${b.id}`} className="text-blue-700 hover:underline">
                    {b.name}
                  </Link>{" "}
                  — {b.status ? `${b.status.percent.toFixed(1)} % of $${b.amountUsd}` : "—"}
                  <div className="mt-1 h-2 rounded bg-gray-100">
                    <div className={`h-2 rounded ${(b.status?.percent ?? 0) >= 100 ? "bg-red-600" : "bg-blue-600"}`} style={{ width: `${Math.min(100, b.status?.percent ?? 0)}%` }} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="OpenRouter credits">
          {r.credits.length === 0 ? (
            <p className="text-sm text-gray-500">No OpenRouter connection with a credit snapshot.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {r.credits.map((c) => (
                <li key={c.connectionId}>
                  {c.name}: balance {formatUsd(c.balanceMicros)} · burn {c.burnMicrosPerHour !== null ? `${formatUsd(c.burnMicrosPerHour)}/h${c.burnSource === "spend" ? " (from recorded spend)" : ""}` : "—"} · runway{" "}
                  {c.runwayHours === null ? "unbounded" : formatDuration(c.runwayHours * 3_600_000)}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}
