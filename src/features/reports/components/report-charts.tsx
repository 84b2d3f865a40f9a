"use client";

import { AreaChart, BarChart, LineChart } from "@tremor/react";
import { ChartFrame } from "@/components/ui/chart-frame";

/** Display-only numbers (sums are exact BigInt on the server; these are already converted). */
type Row = Record<string, string | number>;
type Format = "usd" | "int" | "ms";

const fmt: Record<Format, (v: number) => string> = {
  usd: (v) => `$${v.toFixed(2)}`,
  int: (v) => Intl.NumberFormat("en-US", { notation: "compact" }).format(v),
  ms: (v) => `${Math.round(v)} ms`,
};

const COLORS = ["indigo", "emerald", "amber", "rose", "cyan", "violet", "lime", "fuchsia"];

export function ReportChart({ kind, data, index, categories, format, stack = false }: { kind: "bar" | "area" | "line"; data: Row[]; index: string; categories: string[]; format: Format; stack?: boolean }) {
  if (data.length === 0) return <p className="py-8 text-center text-sm text-gray-500">No usage in this range.</p>;
  const props = { className: "h-56", data, index, categories, colors: COLORS.slice(0, Math.max(1, categories.length)), valueFormatter: fmt[format], yAxisWidth: 64 };
  const chart = kind === "bar" ? <BarChart {...props} stack={stack} /> : kind === "line" ? <LineChart {...props} connectNulls /> : <AreaChart {...props} stack={stack} />;
  return (
    <ChartFrame name={`${kind} of ${categories.join(", ")}`} data={data} categories={categories}>
      {chart}
    </ChartFrame>
  );
}
