/**
 * Fault 3: PostgreSQL connections terminated mid-ingest. Four clients push batches to the running
 * app (scripts/test-faults.sh) while this test calls `pg_terminate_backend` every 200 ms on every
 * other backend of the faults database (the app's pool and Prisma connections, busy or idle).
 * Against the test's ledger afterwards: no acknowledged event is lost or counted twice (event rows
 * and every rollup level), nothing was written that the client was not told about (the client
 * retries every non-202 with the same ids), and the app is still up and healthy.
 */
import pg from "pg";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { createOrg } from "../helpers/factory";
import { BASE, checkEvents, Ledger, pushUntilAcked, recordFigures, sleep } from "./harness";

afterAll(async () => {
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

describe("PostgreSQL backends terminated while usage streams in", () => {
  it("answers errors or 202s that hold: no acknowledged event lost, none counted twice, the app stays up", async () => {
    if (!BASE) throw new Error("FAULTS_BASE_URL is not set: run with npm run test:faults");
    const o = await createOrg();
    const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "faults-pg" });
    const ledger = new Ledger();

    // The killer has its own connection (never in the app's pools) and only touches this database.
    const killer = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await killer.connect();
    let terminated = 0;
    let stop = false;
    const killing = (async () => {
      while (!stop) {
        const r = await killer.query<{ n: number }>(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        terminated += r.rows[0]!.n;
        await sleep(200);
      }
    })();

    const CLIENTS = 4;
    const PER_CLIENT = 25;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let b = 0; b < PER_CLIENT; b++) {
          const events = Array.from({ length: 20 }, (_, i) => ({
            id: `pg-${c}-${b}-${i}-${randomUUID()}`,
            timestamp: new Date().toISOString(),
            provider: "openai",
            model: "gpt-4o-mini",
            input_tokens: 100,
            output_tokens: 10,
            costMicros: BigInt(1_000 + i),
          }));
          await pushUntilAcked(token, events, ledger);
        }
      }),
    );
    stop = true;
    await killing;
    await killer.end();

    const health = await fetch(new URL("/api/health", BASE));
    const events = await checkEvents(o.workspace.id, ledger);
    const errors = Object.entries(ledger.statuses).filter(([s]) => s !== "202").reduce((n, [, k]) => n + k, 0);
    recordFigures("pg-terminate", {
      events_lost: events.lost,
      events_double_counted: events.double,
      alerts_duplicated: 0,
      alerts_missed: 0,
      pauses_unconfirmed: 0,
      detail: { terminated, statuses: ledger.statuses, retriedAnswers: errors, appHealthy: health.ok, events },
    });

    expect(terminated).toBeGreaterThan(0);
    expect(health.status).toBe(200);
    expect(events).toMatchObject({ acked: CLIENTS * PER_CLIENT * 20, rows: CLIENTS * PER_CLIENT * 20, lost: 0, double: 0, unacked: 0, costOk: true });
    expect(events.levels).toHaveLength(3);
  });
});
