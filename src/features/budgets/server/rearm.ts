import type { Prisma } from "@/generated/prisma/client";
import { supersedePauseClaims } from "@/features/enforcement/server/actions";

type Tx = Prisma.TransactionClient;

/**
 * Re-arming after an edit (e.g. the amount was raised). The exactly-once claims of the
 * current period whose condition no longer holds under the new definition are superseded:
 * their unique `dedupeKey` gets a `:superseded:<id>` suffix, which frees the original key for
 * a new claim while the old alert stays in the feed.
 *
 * Why this stays exactly-once: it runs in the same transaction as the budget UPDATE, after it.
 * An evaluator claims only inside a transaction that holds `FOR SHARE` on the budget row and
 * re-checks the budget's `updatedAt` (see evaluate.ts). So either the evaluator's claim
 * committed before our UPDATE got the row lock (and this statement, which takes a fresh
 * snapshot after the lock, sees and judges it), or the evaluator sees the new version and
 * drops its stale decision. No claim made under the old amount can survive unjudged.
 */
export async function supersedeClaims(
  tx: Tx,
  args: { orgId: string; budgetId: string; periodStart: Date; spendMicros: bigint; amountMicros: bigint; projectedMicros: bigint | null },
): Promise<{ alerts: number; pauses: number }> {
  const { orgId, budgetId, periodStart, spendMicros, amountMicros } = args;
  const ps = periodStart.toISOString();
  const thresholds = await tx.$executeRaw`
    UPDATE alerts SET "dedupeKey" = "dedupeKey" || ':superseded:' || id
     WHERE "orgId" = ${orgId} AND "budgetId" = ${budgetId} AND kind = 'budget_threshold'
       AND "periodStart" = (${ps}::timestamptz AT TIME ZONE 'UTC')
       AND "dedupeKey" NOT LIKE '%:superseded:%'
       AND ${spendMicros}::bigint * 100 < ${amountMicros}::bigint * threshold`;
  const projected = args.projectedMicros ?? spendMicros;
  const pace =
    projected <= amountMicros
      ? await tx.$executeRaw`
          UPDATE alerts SET "dedupeKey" = "dedupeKey" || ':superseded:' || id
           WHERE "orgId" = ${orgId} AND "budgetId" = ${budgetId} AND kind = 'budget_pace'
             AND "periodStart" = (${ps}::timestamptz AT TIME ZONE 'UTC')
             AND "dedupeKey" NOT LIKE '%:superseded:%'`
      : 0;
  // Pause claims: below the new amount the keys resume (evaluation), and a later crossing of
  // the new amount in the same period must be able to pause them again.
  const pauses = spendMicros < amountMicros ? await supersedePauseClaims(tx, { orgId, budgetId, periodStart }) : 0;
  return { alerts: thresholds + pace, pauses };
}
