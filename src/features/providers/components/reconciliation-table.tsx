export type ReconciliationRow = { key: string; day: string; connection: string; provider: string; tollgate: string; billed: string; drift: string; driftPercent: string; over: boolean };

export function ReconciliationTable({ rows }: { rows: ReconciliationRow[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm">
        <thead>
          <tr className="border-b border-gray-200 text-left text-gray-600">
            <th className="py-2 pr-4 font-medium">Day (UTC)</th>
            <th className="py-2 pr-4 font-medium">Connection</th>
            <th className="py-2 pr-4 text-right font-medium">Tollgate</th>
            <th className="py-2 pr-4 text-right font-medium">Billed</th>
            <th className="py-2 pr-4 text-right font-medium">Drift</th>
            <th className="py-2 text-right font-medium">Drift %</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-100">
          {rows.map((r) => (
            <tr key={r.key} className={r.over ? "bg-amber-50" : undefined}>
              <td className="py-2 pr-4 tabular-nums">{r.day}</td>
              <td className="py-2 pr-4">
                {r.connection} <span className="text-gray-500">({r.provider})</span>
              </td>
              <td className="py-2 pr-4 text-right tabular-nums">{r.tollgate}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{r.billed}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{r.drift}</td>
              <td className="py-2 text-right tabular-nums">{r.driftPercent}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
