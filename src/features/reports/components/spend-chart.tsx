"use client";

import { BarChart } from "@tremor/react";

/** Daily spend per provider (USD numbers for display only; sums are done in BigInt on the server). */
export function SpendChart({ data }: { data: { day: string; OpenRouter: number; OpenAI: number }[] }) {
  return (
    <BarChart
      className="h-64"
      data={data}
      index="day"
      categories={["OpenRouter", "OpenAI"]}
      colors={["indigo", "emerald"]}
      stack
      valueFormatter={(v: number) => `$${v.toFixed(2)}`}
      yAxisWidth={64}
    />
  );
}
