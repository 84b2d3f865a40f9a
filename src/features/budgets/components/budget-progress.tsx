/** A spend bar: amber from the first threshold line, red at 100%. Server-rendered, no JS. */
export function BudgetProgress({ percent, warnAt = 80 }: { percent: number; warnAt?: number }) {
  const width = Math.min(100, Math.max(0, percent));
  const tone = percent >= 100 ? "bg-red-600" : percent >= warnAt ? "bg-amber-500" : "bg-blue-600";
  return (
    <div className="flex items-center gap-2" aria-label={`${percent}% used`}>
      <div className="h-2 w-28 overflow-hidden rounded-full bg-gray-200">
        <div className={`h-full ${tone}`} style={{ width: `${width}%` }} />
      </div>
      <span className="w-14 text-right text-xs tabular-nums text-gray-700">{percent.toFixed(1)}%</span>
    </div>
  );
}

export function formatLeft(ms: number | null): string {
  if (ms === null) return "never resets";
  const h = Math.floor(ms / 3_600_000);
  if (h >= 48) return `resets in ${Math.floor(h / 24)} d`;
  if (h >= 1) return `resets in ${h} h`;
  return `resets in ${Math.max(1, Math.floor(ms / 60_000))} min`;
}
