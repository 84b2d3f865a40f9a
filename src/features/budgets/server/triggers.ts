/**
 * Called by ingest after usage rows (and their rollups) are committed. Budgets decide
 * which budgets to re-evaluate; ingest does not know about budgets.
 * Must be cheap and must never throw into the ingest path.
 */
export type UsageLanded = {
  orgId: string;
  workspaceIds: string[];
  projectTagIds: string[];
  providerKeyIds: string[];
  memberIds: string[];
};

export async function onUsageLanded(_landed: UsageLanded): Promise<void> {
  // Filled in by the budgets feature (debounced per-budget evaluation).
}
