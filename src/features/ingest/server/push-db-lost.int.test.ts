/**
 * Ingest when PostgreSQL ends its connection in the middle of the write (a failover, a restart,
 * `pg_terminate_backend`): the client is told to retry (503 + Retry-After), not that the server
 * failed (500), and nothing of the batch is written. Found by test/faults/pg-terminate.fault.ts.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/v1/usage/route";
import { pool } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { createIngestToken } from "./tokens";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ingest when its PostgreSQL connection is terminated mid-batch", () => {
  it("answers 503 with Retry-After and writes nothing of the batch", async () => {
    const o = await createOrg();
    const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "db-lost" });
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: `lost-${i}`,
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      provider: "openai",
      model: "gpt-4o-mini",
      input_tokens: 10,
      output_tokens: 1,
      cost_usd: "0.001",
    }));

    // A session that holds the rollups table, so the ingest statement waits inside its write.
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    await admin.connect();
    let terminated: number[] = [];
    try {
      await holder.query("BEGIN");
      await holder.query("LOCK TABLE usage_rollups IN SHARE MODE");
      const holderPid = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const answer = POST(
        new Request("http://localhost/api/v1/usage", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ events }),
        }),
      );
      // The ingest backend is the one blocked by the holder: terminate it mid-statement.
      for (let i = 0; i < 200 && terminated.length === 0; i++) {
        const r = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))`,
          [holderPid],
        );
        terminated = r.rows.map((x) => x.pid);
        if (terminated.length === 0) await sleep(25);
      }
      expect(terminated.length).toBeGreaterThan(0);
      for (const pid of terminated) await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await holder.query("ROLLBACK");
      const res = await answer;
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      expect({ status: res.status, retryAfter: res.headers.get("retry-after"), code: body.error?.code }).toEqual({ status: 503, retryAfter: "1", code: "unavailable" });
      expect(body.error?.message).toMatch(/retry/i);
    } finally {
      await holder.end().catch(() => undefined);
      await admin.end();
    }
    const n = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM usage_events WHERE "workspaceId" = $1`, [o.workspace.id]);
    const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM usage_rollups WHERE "workspaceId" = $1`, [o.workspace.id]);
    expect({ events: n.rows[0]!.n, rollups: r.rows[0]!.n }).toEqual({ events: 0, rollups: 0 });
  });
});
