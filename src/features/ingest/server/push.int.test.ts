import { describe, expect, it, beforeAll, vi } from "vitest";

// This file's own Redis namespace (set before any module reads env): the "Redis flushed"
// test deletes every key under it, which must never touch other test files' queues.
vi.hoisted(() => {
  process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? "tgtest"}-ingestpush-${process.pid}`;
});
import { gzipSync } from "node:zlib";
import { POST } from "@/app/api/v1/usage/route";
import { pool, prisma } from "@/server/db";
import { redis } from "@/server/redis";
import { env } from "@/env";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { createIngestToken } from "./tokens";
import { checkIngestRate } from "./rate-limit";
import { clearAttributionCaches } from "./attribution";
import { Redis } from "ioredis";

type Ev = Record<string, unknown>;

async function setup() {
  const o = await createOrg();
  const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "test" });
  return { ...o, token };
}

function post(token: string | null, body: unknown, opts: { gzip?: boolean; raw?: Buffer } = {}) {
  const json = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.gzip) headers["content-encoding"] = "gzip";
  return POST(new Request("http://localhost/api/v1/usage", { method: "POST", headers, body: new Uint8Array(opts.raw ?? (opts.gzip ? gzipSync(json) : json)) }));
}

function ev(i: number, extra: Ev = {}): Ev {
  return {
    id: `ev-${i}`,
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    provider: "openai",
    model: "gpt-4o-mini",
    input_tokens: 100 + i,
    output_tokens: 10,
    latency_ms: 20 + i,
    ...extra,
  };
}

async function eventCount(workspaceId: string) {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM usage_events WHERE "workspaceId" = $1`, [workspaceId]);
  return rows[0].n as number;
}

/** Every granularity's rollups must add up to exactly the raw events. */
async function expectRollupsMatchEvents(workspaceId: string) {
  const { rows: ev } = await pool.query(
    `SELECT count(*)::text AS requests, coalesce(sum("inputTokens"),0)::text AS input, coalesce(sum("outputTokens"),0)::text AS output,
            coalesce(sum("costMicros"),0)::text AS cost, count("latencyMs")::text AS lcount, coalesce(sum("latencyMs"),0)::text AS lsum,
            count(*) FILTER (WHERE status >= 400)::text AS errors
       FROM usage_events WHERE "workspaceId" = $1`,
    [workspaceId],
  );
  for (const g of ["minute", "hour", "day"]) {
    const { rows } = await pool.query(
      `SELECT coalesce(sum(requests),0)::text AS requests, coalesce(sum("inputTokens"),0)::text AS input, coalesce(sum("outputTokens"),0)::text AS output,
              coalesce(sum("costMicros"),0)::text AS cost, coalesce(sum("latencyCount"),0)::text AS lcount, coalesce(sum("latencySumMs"),0)::text AS lsum,
              coalesce(sum(errors),0)::text AS errors
         FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = $2::"Granularity"`,
      [workspaceId, g],
    );
    expect(rows[0], `rollups at ${g}`).toEqual(ev[0]);
  }
}

describe("POST /api/v1/usage", () => {
  beforeAll(async () => {
    await redis().ping();
  });

  it("counts the same batch sent three times once, and collapses duplicates inside a batch", async () => {
    const { workspace, token } = await setup();
    const batch = { events: [ev(1), ev(2), ev(3), ev(1)] };
    const r1 = await post(token, batch);
    expect(r1.status).toBe(202);
    expect(await r1.json()).toEqual({ accepted: 3, duplicates: 1 });
    for (let i = 0; i < 2; i++) {
      const r = await post(token, batch);
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ accepted: 0, duplicates: 4 });
    }
    expect(await eventCount(workspace.id)).toBe(3);
    await expectRollupsMatchEvents(workspace.id);
    const { rows } = await pool.query(`SELECT sum(requests)::int AS n FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day'`, [workspace.id]);
    expect(rows[0].n).toBe(3);
  });

  it("rejects a batch with one invalid event whole: 400 with the path, nothing written", async () => {
    const { workspace, token } = await setup();
    const events = [ev(0), ev(1), ev(2), ev(3, { input_tokens: -5 }), ev(4)];
    const res = await post(token, { events });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.message).toMatch(/events\.3\.input_tokens/);
    expect(body.error.issues).toEqual([{ path: "events.3.input_tokens", message: "input_tokens must be 0 or more" }]);
    expect(await eventCount(workspace.id)).toBe(0);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM usage_rollups WHERE "workspaceId" = $1`, [workspace.id]);
    expect(rows[0].n).toBe(0);
  });

  it("refuses metadata PostgreSQL can't store (a lone UTF-16 surrogate) with 400 naming the field, before the batch's new project tag is created", async () => {
    const { workspace, token } = await setup();
    const res = await post(token, { events: [ev(0, { project: "brand-new" }), ev(1, { project: "brand-new", metadata: { note: "cut \udc00" } })] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues).toEqual([{ path: "events.1.metadata.note", message: expect.stringMatching(/surrogate/) }]);
    expect(await eventCount(workspace.id)).toBe(0);
    expect(await prisma.projectTag.count({ where: { workspaceId: workspace.id, slug: "brand-new" } })).toBe(0);
  });

  it("reports every invalid field with its path", async () => {
    const { token } = await setup();
    const res = await post(token, {
      events: [
        ev(0, { provider: "anthropic" }),
        { ...ev(1), id: undefined },
        ev(2, { timestamp: "yesterday" }),
        ev(3, { cost_usd: "1e-3" }),
        ev(4, { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }),
        ev(5, { timestamp: "2001-01-01T00:00:00Z" }),
      ],
    });
    expect(res.status).toBe(400);
    const paths = (await res.json()).error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(["events.0.provider", "events.1.id", "events.2.timestamp", "events.3.cost_usd", "events.4.metadata"]);
    const res2 = await post(token, { events: [ev(5, { timestamp: "2001-01-01T00:00:00Z" })] });
    expect((await res2.json()).error.issues[0]).toMatchObject({ path: "events.0.timestamp", message: expect.stringMatching(/older than/) });
  });

  it("answers 401 without a token or with a bad or revoked one", async () => {
    const { token, ctx } = await setup();
    expect((await post(null, { events: [ev(1)] })).status).toBe(401);
    expect((await post("tg_ingest_nope", { events: [ev(1)] })).status).toBe(401);
    const { token: t2, id } = await createIngestToken(ctx, { workspaceId: (await prisma.workspace.findFirstOrThrow({ where: { orgId: ctx.orgId } })).id, name: "x" });
    await prisma.ingestToken.update({ where: { id }, data: { revokedAt: new Date() } });
    const res = await post(t2, { events: [ev(1)] });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/Invalid or revoked/);
    expect((await post(token, { events: [ev(1)] })).status).toBe(202);
  });

  it("answers 413 over 1,000 events or over 1 MiB, and writes nothing", async () => {
    const { workspace, token } = await setup();
    const many = Array.from({ length: 1001 }, (_, i) => ev(i));
    const r1 = await post(token, { events: many });
    expect(r1.status).toBe(413);
    expect((await r1.json()).error.message).toMatch(/at most 1,000 events/);
    const big = Array.from({ length: 900 }, (_, i) => ev(i, { metadata: { blob: "x".repeat(500), b2: "y".repeat(500), b3: "z".repeat(500) } }));
    const r2 = await post(token, { events: big });
    expect(r2.status).toBe(413);
    expect((await r2.json()).error.message).toMatch(/1 MiB/);
    // The cap applies after decompression too.
    const r3 = await post(token, { events: big }, { gzip: true });
    expect(r3.status).toBe(413);
    expect(await eventCount(workspace.id)).toBe(0);
  });

  it("accepts gzip bodies and rejects corrupt gzip with 400", async () => {
    const { workspace, token } = await setup();
    const res = await post(token, { events: [ev(1), ev(2)] }, { gzip: true });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(await eventCount(workspace.id)).toBe(2);
    const bad = await post(token, null, { gzip: true, raw: Buffer.from("not gzip at all") });
    expect(bad.status).toBe(400);
  });

  it("answers 429 with Retry-After when the workspace exceeds its ingest rate", async () => {
    const { workspace, token } = await setup();
    await prisma.workspace.update({ where: { id: workspace.id }, data: { ingestRateLimit: 5 } });
    let limited: Response | null = null;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await post(token, { events: [0, 1, 2, 3].map((k) => ev(i * 10 + k)) });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(202);
    }
    expect(limited).not.toBeNull();
    expect(limited!.headers.get("retry-after")).toBe("1");
    expect((await limited!.json()).error.message).toMatch(/5 events per second/);
  });

  it("fails open when Redis is unreachable", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    dead.on("error", () => {});
    expect(await checkIngestRate("ws-x", 10, 1, dead)).toEqual({ allowed: true });
    dead.disconnect();
  });

  it("while Redis does not answer, batches after the first are admitted without asking it again for a second", async () => {
    let asked = 0;
    // A Redis that is connected but never replies (hung, or a network partition).
    const hung = { status: "ready", defineCommand: () => {}, tgIngestRate: () => (asked++, new Promise<number>(() => {})) } as unknown as Redis;
    expect(await checkIngestRate("ws-hung", 10, 1, hung)).toEqual({ allowed: true });
    expect(asked).toBe(1);
    for (let i = 0; i < 5; i++) expect(await checkIngestRate("ws-hung", 10, 1, hung)).toEqual({ allowed: true });
    expect(asked).toBe(1);
    await new Promise((r) => setTimeout(r, 1_050));
    expect(await checkIngestRate("ws-hung", 10, 1, hung)).toEqual({ allowed: true });
    expect(asked).toBe(2);
  });

  it("keeps acknowledged events and current rollups when Redis is flushed right after the 202", async () => {
    const { workspace, token } = await setup();
    const res = await post(token, { events: [ev(1), ev(2), ev(3)] });
    expect(res.status).toBe(202);
    // Simulated flush: delete every key under this file's prefix (never FLUSHALL on a shared server).
    expect(env.REDIS_PREFIX).toMatch(/-ingestpush-\d+$/);
    const r = redis();
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${env.REDIS_PREFIX}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
    expect(await eventCount(workspace.id)).toBe(3);
    await expectRollupsMatchEvents(workspace.id);
    const again = await post(token, { events: [ev(1), ev(4)] });
    expect(await again.json()).toEqual({ accepted: 1, duplicates: 1 });
    await expectRollupsMatchEvents(workspace.id);
  });

  it("attributes an event that carries a key but no member to the key's member; the event's own member wins", async () => {
    const { org, workspace, token } = await setup();
    const { user: owner } = await addMember(org.id, "member", `${uniq("keyowner")}@example.test`);
    const { user: other } = await addMember(org.id, "member", `${uniq("caller")}@example.test`);
    await prisma.providerKey.create({ data: { orgId: org.id, provider: "openrouter", providerKeyId: "hash-member", label: "team", memberUserId: owner.id } });
    clearAttributionCaches();
    const res = await post(token, {
      events: [
        ev(1, { api_key: "hash-member", provider: "openrouter", model: "openai/gpt-4o" }),
        ev(2, { api_key: "hash-member", provider: "openrouter", model: "openai/gpt-4o", user: other.email }),
        ev(3, { api_key: "hash-member", provider: "openrouter", model: "openai/gpt-4o", user: "customer-7" }),
        ev(4, { api_key: "unknown-key", provider: "openrouter", model: "openai/gpt-4o" }),
      ],
    });
    expect(res.status).toBe(202);
    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id }, orderBy: { externalId: "asc" } });
    expect(rows.map((r) => [r.memberId, r.endUser])).toEqual([
      [owner.id, null],
      [other.id, null],
      [owner.id, "customer-7"],
      [null, null],
    ]);
    await expectRollupsMatchEvents(workspace.id);
  });

  it("attributes project, member, end user and key, and keeps rollups equal to the events", async () => {
    const { org, workspace, defaultTag, token } = await setup();
    const { user: member } = await addMember(org.id, "member", `${uniq("dev")}@example.test`);
    const key = await prisma.providerKey.create({ data: { orgId: org.id, provider: "openrouter", providerKeyId: "hash-abc", label: "prod" } });
    const searchTag = await prisma.projectTag.create({ data: { orgId: org.id, workspaceId: workspace.id, slug: "search", name: "Search" } });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const res = await post(token, {
      events: [
        ev(1, { project: "search", user: member.email.toUpperCase(), api_key: "hash-abc", provider: "openrouter", model: "openai/gpt-4o", cost_usd: "0.0012" }),
        ev(2, { project: "brand-new", user: "customer-42", api_key: "unknown-key", status: 429, error: { type: "rate_limit", message: "slow down" } }),
        ev(3, { timestamp: hourAgo, status: 500, cost_usd: 0.1 }),
        ev(4, { model: "no-such-model", cached_tokens: 50 }),
      ],
    });
    expect(res.status).toBe(202);
    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id }, orderBy: { externalId: "asc" } });
    const [e1, e2, e3, e4] = rows;
    expect(e1).toMatchObject({ projectTagId: searchTag.id, memberId: member.id, endUser: null, providerKeyId: key.id, apiKeyRef: "hash-abc", costMicros: 1200n, costSource: "provider" });
    const created = await prisma.projectTag.findFirstOrThrow({ where: { workspaceId: workspace.id, slug: "brand-new" } });
    expect(created.isDefault).toBe(false);
    expect(e2).toMatchObject({ projectTagId: created.id, memberId: null, endUser: "customer-42", providerKeyId: null, apiKeyRef: "unknown-key", status: 429, errorType: "rate_limit", errorMessage: "slow down", costSource: "estimate" });
    // gpt-4o-mini: 102 × $0.15/M + 10 × $0.60/M = 15.3 + 6 µ$ → 21 µ$ (rounded once)
    expect(e2!.costMicros).toBe(21n);
    expect(e3).toMatchObject({ projectTagId: defaultTag.id, costMicros: 100_000n, costSource: "provider" });
    expect(e4).toMatchObject({ costMicros: 0n, costSource: "unknown" });
    expect(await prisma.auditLog.count({ where: { orgId: org.id, action: "project_tag.auto_created" } })).toBe(1);
    await expectRollupsMatchEvents(workspace.id);
    const classes = await pool.query(
      `SELECT "statusClass", sum(requests)::int AS n, sum(errors)::int AS errors FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day' GROUP BY 1 ORDER BY 1`,
      [workspace.id],
    );
    expect(classes.rows).toEqual([
      { statusClass: "2xx", n: 2, errors: 0 },
      { statusClass: "4xx", n: 1, errors: 1 },
      { statusClass: "5xx", n: 1, errors: 1 },
    ]);
    const byMember = await pool.query(
      `SELECT "memberId", "providerKeyId", "projectTagId" FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'minute' AND "memberId" <> ''`,
      [workspace.id],
    );
    expect(byMember.rows).toEqual([{ memberId: member.id, providerKeyId: key.id, projectTagId: searchTag.id }]);
  });
});
