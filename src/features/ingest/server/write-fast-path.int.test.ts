import { describe, expect, it } from "vitest";
import { pool } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import type { NormalizedEvent } from "../types";
import { writeUsageEvents } from "./write-events";

function event(orgId: string, workspaceId: string, extra: Partial<NormalizedEvent>): NormalizedEvent {
  return {
    orgId, workspaceId, externalId: uniq("e"), source: "push", provider: "openai", model: "gpt-4o", projectTagId: null, memberId: null,
    endUser: null, providerKeyId: null, apiKeyRef: null, service: null, language: null, occurredAt: new Date(), inputTokens: 10,
    outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1, costMicros: 5n, latencyMs: 120,
    status: 200, errorType: null, errorMessage: null, generationId: null, metadata: null, ...extra,
  };
}

async function totals(workspaceId: string) {
  const { rows } = await pool.query<{ events: number; tokens: number; minute: number; hour: number; day: number }>(
    `SELECT (SELECT count(*) FROM usage_events WHERE "workspaceId" = $1)::int AS events,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_events WHERE "workspaceId" = $1)::int AS tokens,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'minute')::int AS minute,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'hour')::int AS hour,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day')::int AS day`,
    [workspaceId],
  );
  return rows[0]!;
}

// The writer first tries a plain claim of the ids (fails whole on a known id), then the skipping
// claim: a batch that mixes known and new ids must come out exactly as if written once.
describe("writeUsageEvents with already-known ids", () => {
  it("writes only the new ids of a batch that mixes known and new ones, and the known events and rollups stay as they were", async () => {
    const { org, workspace } = await createOrg();
    const first = Array.from({ length: 40 }, (_, i) => event(org.id, workspace.id, { externalId: `k-${i}`, inputTokens: 100 }));
    expect(await writeUsageEvents(first)).toEqual({ inserted: 40, duplicates: 0 });
    expect(await totals(workspace.id)).toEqual({ events: 40, tokens: 4000, minute: 4000, hour: 4000, day: 4000 });

    // 10 known ids (with other values, which must not land) between 30 new ones.
    const mixed = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0 ? event(org.id, workspace.id, { externalId: `k-${i}`, inputTokens: 999_999 }) : event(org.id, workspace.id, { externalId: `n-${i}`, inputTokens: 7 }),
    );
    expect(await writeUsageEvents(mixed)).toEqual({ inserted: 30, duplicates: 10 });
    expect(await totals(workspace.id)).toEqual({ events: 70, tokens: 4210, minute: 4210, hour: 4210, day: 4210 });

    // All known: nothing changes.
    expect(await writeUsageEvents(mixed)).toEqual({ inserted: 0, duplicates: 40 });
    expect(await totals(workspace.id)).toEqual({ events: 70, tokens: 4210, minute: 4210, hour: 4210, day: 4210 });
  });
});
