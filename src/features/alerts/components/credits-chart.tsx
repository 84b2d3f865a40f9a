"use client";

import { AreaChart } from "@tremor/react";
import { ChartFrame } from "@/components/ui/chart-frame";

/** OpenRouter balance over time (USD numbers for display only). */
export function CreditsChart({ data }: { data: { time: string; Balance: number }[] }) {
  return (
    <ChartFrame name="credit balance" data={data} categories={["Balance"]}>
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
    </ChartFrame>
  );
}
