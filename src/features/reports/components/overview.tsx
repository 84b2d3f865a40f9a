import { Card, EmptyState, Table } from "@/components/ui/card";
import { formatUsd, microsToUsdNumber } from "@/lib/money";
import type { spendOverview, Breakdown } from "../server/overview";
import { SpendChart } from "./spend-chart";

type Overview = Awaited<ReturnType<typeof spendOverview>>;

const n = (v: bigint) => v.toLocaleString("en-US");

function BreakdownCard({ title, rows }: { title: string; rows: Breakdown[] }) {
  return (
    <Card title={title}>
      <Table
        head={["", "Cost", "Requests", "Tokens"]}
        // Labels (emails, model ids) break anywhere, so the card fits its numbers without a sideways scroll.
        rows={rows.map((r) => [<span key="label" className="[overflow-wrap:anywhere]">{r.label}</span>, formatUsd(r.costMicros), n(r.requests), n(r.tokens)])}
        empty={<p className="text-sm text-gray-500">No usage in this range.</p>}
      />
    </Card>
  );
}

export function OverviewReport({ data, days }: { data: Overview; days: number }) {
  const t = data.totals;
  if (t.requests === 0n) {
    return (
      <EmptyState title="No usage yet">
        Connect OpenRouter or OpenAI under Connections, or push usage with a workspace ingest token.
      </EmptyState>
    );
  }
  const byDay = new Map<string, { day: string; OpenRouter: number; OpenAI: number }>();
  for (const d of data.daily) {
    const row = byDay.get(d.day) ?? { day: d.day, OpenRouter: 0, OpenAI: 0 };
    row[d.provider === "openai" ? "OpenAI" : "OpenRouter"] += microsToUsdNumber(d.costMicros);
    byDay.set(d.day, row);
  }
  const errorRate = t.requests > 0n ? Number((t.errors * 10_000n) / t.requests) / 100 : 0;
  const cacheShare = t.inputTokens > 0n ? Number((t.cachedTokens * 10_000n) / t.inputTokens) / 100 : 0;
  const avgLatency = t.latencyCount > 0n ? `${Number(t.latencySumMs / t.latencyCount)} ms` : "—";
  const perProvider = { openrouter: 0n, openai: 0n } as Record<string, bigint>;
  for (const d of data.daily) perProvider[d.provider] = (perProvider[d.provider] ?? 0n) + d.costMicros;
  const stats = [
    { label: `Spend, last ${days} days`, value: formatUsd(t.costMicros) },
    { label: "OpenRouter", value: formatUsd(perProvider.openrouter ?? 0n) },
    { label: "OpenAI", value: formatUsd(perProvider.openai ?? 0n) },
    { label: "Requests", value: n(t.requests) },
    { label: "Tokens in / out", value: `${n(t.inputTokens)} / ${n(t.outputTokens)}` },
    { label: "Cached input", value: `${cacheShare}%` },
    { label: "Reasoning tokens", value: n(t.reasoningTokens) },
    { label: "Errors", value: `${errorRate}%` },
    { label: "Avg latency", value: avgLatency },
  ];
  return (
    <div className="space-y-6">
      <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
        {stats.map((s) => (
          <div key={s.label} className="rounded-lg border border-gray-200 bg-white p-4 shadow-sm">
            <p className="text-xs text-gray-500">{s.label}</p>
            <p className="mt-1 text-lg font-semibold text-gray-900">{s.value}</p>
          </div>
        ))}
      </div>
      <Card title="Daily spend by provider">
        <SpendChart data={[...byDay.values()]} />
      </Card>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <BreakdownCard title="Top models" rows={data.models} />
        <BreakdownCard title="By member" rows={data.members} />
        <BreakdownCard title="By project tag" rows={data.projects} />
        <BreakdownCard title="By API key" rows={data.keys} />
      </div>
    </div>
  );
}
