"use client";

import { AreaChart } from "@tremor/react";

/** OpenRouter balance over time (USD numbers for display only). */
export function CreditsChart({ data }: { data: { time: string; Balance: number }[] }) {
  return (
    <AreaChart
      className="h-48"
      data={data}
      index="time"
      categories={["Balance"]}
      colors={["indigo"]}
      valueFormatter={(v: number) => `$${v.toFixed(2)}`}
      yAxisWidth={64}
      showLegend={false}
    />
  );
}
