import type { ReactNode } from "react";

/**
 * The box around a chart: `data-chart` names it and `data-points` counts its non-zero values, so
 * the browser journeys can fail a page whose chart has data but drew nothing (e2e/support.ts).
 */
export function ChartFrame({ name, data, categories, children }: { name: string; data: Record<string, unknown>[]; categories: string[]; children: ReactNode }) {
  const points = data.reduce<number>((n, row) => n + categories.filter((c) => typeof row[c] === "number" && row[c] !== 0).length, 0);
  return (
    <div data-chart={name} data-points={points}>
      {children}
    </div>
  );
}
