import { env } from "@/env";
import { formatUsd } from "@/lib/money";
import { formatPercent } from "@/lib/percent";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { listBillReconciliations } from "./bill-drift";

/** The reconciliation page: the org's last 90 closed days per connection, as display rows. */
export async function listReconciliation(ctx: TenantContext) {
  requirePermission(ctx, "connections:read");
  const rows = await listBillReconciliations(ctx.orgId, 90);
  return {
    thresholdPercent: env.BILL_DRIFT_ALERT_PERCENT,
    rows: rows.map((r) => ({
      key: `${r.connectionId}:${r.day.toISOString()}`,
      day: r.day.toISOString().slice(0, 10),
      connection: r.connectionName,
      provider: r.provider ?? "—",
      tollgate: formatUsd(r.tollgateMicros),
      billed: formatUsd(r.billedMicros),
      drift: formatUsd(r.driftMicros),
      driftPercent: r.driftPercent === null ? "—" : formatPercent(r.driftPercent, 2),
      over: r.driftPercent === null || Math.abs(r.driftPercent) > env.BILL_DRIFT_ALERT_PERCENT,
    })),
  };
}
