"use client";

import { BarChart } from "@tremor/react";
import { ChartFrame } from "@/components/ui/chart-frame";

/** Daily spend per provider (USD numbers for display only; sums are done in BigInt on the server). */
export function SpendChart({ data }: { data: { day: string; OpenRouter: number; OpenAI: number }[] }) {
  return (
    <ChartFrame name="daily spend" data={data} categories={["OpenRouter", "OpenAI"]}>
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
    </ChartFrame>
  );
}
