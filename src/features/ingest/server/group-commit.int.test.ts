import { describe, expect, it } from "vitest";
import pg from "pg";
import { POST } from "@/app/api/v1/usage/route";
import { env } from "@/env";
import { pool } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { until } from "../../../../test/helpers/wait";
import { createIngestToken } from "./tokens";
import { groupCommitStats } from "./group-commit";
import { writeUsageEvents } from "./write-events";
import { workspaceTotals as totals } from "../test/totals";

type Ev = Record<string, unknown>;

function ev(id: string, extra: Ev = {}): Ev {
  return { id, timestamp: new Date(Date.now() - 60_000).toISOString(), provider: "openai", model: "gpt-4o-mini", input_tokens: 100, output_tokens: 10, ...extra };
}

function post(token: string, events: Ev[]) {
  return POST(
    new Request("http://localhost/api/v1/usage", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ events }),
    }),
  );
}

async function setup() {
  const o = await createOrg();
  const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "test" });
  return { ...o, token };
}


/**
 * Fills every write slot of this process with a batch that waits on an id another session holds
 * uncommitted, so that batches sent meanwhile queue up and are written as ONE group statement
 * when `release()` rolls that session back.
 */
async function holdWriteSlots(orgId: string, workspaceId: string, token: string) {
  const locker = new pg.Client({ connectionString: env.DATABASE_URL });
  await locker.connect();
  await locker.query("BEGIN");
  const slots = env.INGEST_WRITE_CONCURRENCY;
  const ids = Array.from({ length: slots }, (_, i) => `blocker-${i}`);
  for (const id of ids) await locker.query(`INSERT INTO usage_event_ids ("orgId", "workspaceId", "externalId") VALUES ($1, $2, $3)`, [orgId, workspaceId, id]);
  const blockers = ids.map((id) => post(token, [ev(id, { input_tokens: 1 })]));
  await until("the write slots to be busy", async () => groupCommitStats().running === slots);
  return {
    blockers,
    release: async () => {
      await locker.query("ROLLBACK");
      await locker.end();
    },
  };
}

describe("group commit of concurrent ingest batches", () => {
  it("acks and writes the good batch and rejects the bad one alone (400, nothing of it written) when they were grouped", async () => {
    const { org, workspace, token } = await setup();
    const hold = await holdWriteSlots(org.id, workspace.id, token);
    const before = groupCommitStats();
    const good = post(token, [ev("good-1"), ev("good-2"), ev("good-3")]);
    // PostgreSQL refuses a lone UTF-16 surrogate in jsonb. The push API refuses it before writing
    // now, so the batch comes straight to the writer, as another source's would.
    const base = { orgId: org.id, workspaceId: workspace.id, source: "otlp" as const, provider: "openai" as const, model: "m", projectTagId: null, memberId: null, endUser: null, providerKeyId: null, apiKeyRef: null, service: null, language: null, occurredAt: new Date(Date.now() - 60_000), inputTokens: 100, outputTokens: 10, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1, costMicros: 0n, latencyMs: null, status: 200, errorType: null, errorMessage: null, generationId: null };
    const bad = writeUsageEvents([
      { ...base, externalId: "bad-1", metadata: null },
      { ...base, externalId: "bad-2", metadata: { note: "\ud800" } },
    ]).catch((e: unknown) => e);
    await until("both batches to queue", async () => groupCommitStats().queued === 2);
    await hold.release();

    const [goodRes, badErr] = await Promise.all([good, bad]);
    expect(goodRes.status).toBe(202);
    expect(await goodRes.json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(badErr).toMatchObject({ status: 400, message: expect.stringMatching(/nothing was written/) });
    for (const b of hold.blockers) expect((await b).status).toBe(202);
    // They really were one group: its statement failed and each batch went again alone.
    expect(groupCommitStats().groupsFallenBack).toBe(before.groupsFallenBack + 1);

    const { rows } = await pool.query<{ id: string }>(`SELECT "externalId" AS id FROM usage_events WHERE "workspaceId" = $1 ORDER BY 1`, [workspace.id]);
    const blockerIds = Array.from({ length: env.INGEST_WRITE_CONCURRENCY }, (_, i) => `blocker-${i}`);
    expect(rows.map((r) => r.id)).toEqual([...blockerIds, "good-1", "good-2", "good-3"]);
    const { rows: ids } = await pool.query(`SELECT 1 FROM usage_event_ids WHERE "workspaceId" = $1 AND "externalId" LIKE 'bad-%'`, [workspace.id]);
    expect(ids).toHaveLength(0);
    const t = await totals(workspace.id);
    expect(t).toEqual({ events: 3 + env.INGEST_WRITE_CONCURRENCY, tokens: 300 + env.INGEST_WRITE_CONCURRENCY, minute: t.tokens, hour: t.tokens, day: t.tokens });
  });

  it("counts an id sent in two batches of one group once, for the batch that came first", async () => {
    const { org, workspace, token } = await setup();
    const hold = await holdWriteSlots(org.id, workspace.id, token);
    const before = groupCommitStats();
    const first = post(token, [ev("shared"), ev("a-1"), ev("a-2")]);
    await until("the first batch to queue", async () => groupCommitStats().queued === 1);
    const second = post(token, [ev("b-1"), ev("shared", { input_tokens: 999_999 })]);
    await until("both batches to queue", async () => groupCommitStats().queued === 2);
    await hold.release();

    expect(await (await first).json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(await (await second).json()).toEqual({ accepted: 1, duplicates: 1 });
    for (const b of hold.blockers) await b;
    expect(groupCommitStats().groupsWritten).toBe(before.groupsWritten + 1);
    const { rows } = await pool.query(`SELECT "inputTokens" FROM usage_events WHERE "workspaceId" = $1 AND "externalId" = 'shared'`, [workspace.id]);
    expect(rows).toEqual([{ inputTokens: 100 }]);
    const n = env.INGEST_WRITE_CONCURRENCY;
    expect(await totals(workspace.id)).toEqual({ events: 4 + n, tokens: 400 + n, minute: 400 + n, hour: 400 + n, day: 400 + n });
  });

  it("counts an already stored id once when a group meets it (the group falls back to each batch alone)", async () => {
    const { org, workspace, token } = await setup();
    expect((await post(token, [ev("old")])).status).toBe(202);
    const hold = await holdWriteSlots(org.id, workspace.id, token);
    const a = post(token, [ev("old", { input_tokens: 5 }), ev("new-a")]);
    const b = post(token, [ev("new-b")]);
    await until("both batches to queue", async () => groupCommitStats().queued === 2);
    await hold.release();
    expect(await (await a).json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(await (await b).json()).toEqual({ accepted: 1, duplicates: 0 });
    for (const x of hold.blockers) await x;
    const n = env.INGEST_WRITE_CONCURRENCY;
    expect(await totals(workspace.id)).toEqual({ events: 3 + n, tokens: 300 + n, minute: 300 + n, hour: 300 + n, day: 300 + n });
  });

  it("refuses with 400 a batch whose metadata PostgreSQL cannot store (a lone UTF-16 surrogate), writing nothing", async () => {
    const { org, workspace } = await createOrg();
    const base = { orgId: org.id, workspaceId: workspace.id, source: "push" as const, provider: "openai" as const, model: "m", projectTagId: null, memberId: null, endUser: null, providerKeyId: null, apiKeyRef: null, service: null, language: null, occurredAt: new Date(), inputTokens: 1, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1, costMicros: 0n, latencyMs: null, status: 200, errorType: null, errorMessage: null, generationId: null };
    await expect(writeUsageEvents([{ ...base, externalId: "x", metadata: { k: "\udc00" } }])).rejects.toMatchObject({ status: 400 });
    expect((await totals(workspace.id)).events).toBe(0);
  });
});
