import pg from "pg";
import { describe, expect, it } from "vitest";
import { pool } from "./db";

describe("the raw pg pool", () => {
  it("survives PostgreSQL terminating an idle connection (no unhandled 'error' that ends the process)", async () => {
    const c = await pool.connect();
    const pid = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    c.release(); // idle in the pool now
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 300)); // the idle client sees the termination now
    expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
  });
});
