import { describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import type { NormalizedEvent } from "../types";
import { writeUsageEvents } from "./write-events";
import { workspaceTotals as totals } from "../test/totals";
import { normalizedEvent } from "../../../../test/helpers/events";

const event = (orgId: string, workspaceId: string, extra: Partial<NormalizedEvent>) => normalizedEvent(orgId, workspaceId, { latencyMs: 120, ...extra });


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
