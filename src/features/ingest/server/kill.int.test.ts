import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pool } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { createIngestToken } from "./tokens";

const ROOT = join(__dirname, "..", "..", "..", "..");
const BATCH = 200;

describe("durability under kill -9", () => {
  it("loses no acknowledged event when the ingesting process is SIGKILLed mid-run", async () => {
    const { ctx, workspace } = await createOrg();
    const { token } = await createIngestToken(ctx, { workspaceId: workspace.id, name: "kill" });
    const run = uniq("kill");
    const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "src/features/ingest/test/ingest-child.ts")], {
      cwd: ROOT,
      env: { ...process.env, INGEST_TOKEN: token, RUN_ID: run, BATCH_SIZE: String(BATCH) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked = new Set<number>();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const l of lines) if (l.startsWith("ACK ")) acked.add(Number(l.slice(4)));
        // Kill while it is in the middle of sending more.
        if (acked.size >= 8) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => reject(new Error(`child exited before being killed: ${stderr}`)));
    });
    expect(await exited).toBe("SIGKILL");

    const ackedIds = [...acked].flatMap((b) => Array.from({ length: BATCH }, (_, i) => `${run}-${b}-${i}`));
    // The killed child's in-flight statement may still commit on the server after the kill, so
    // read events and rollups in ONE snapshot: the writer commits both atomically.
    const db = await pool.connect();
    let ackedFound: number, total: number, roll: { granularity: string; n: number; input: number }[];
    try {
      await db.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      ackedFound = (await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE "workspaceId" = $1 AND "externalId" = ANY($2)`, [workspace.id, ackedIds])).rows[0].n;
      total = (await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE "workspaceId" = $1`, [workspace.id])).rows[0].n;
      roll = (
        await db.query(
          `SELECT granularity, sum(requests)::int AS n, sum("inputTokens")::int AS input FROM usage_rollups WHERE "workspaceId" = $1 GROUP BY 1 ORDER BY 1`,
          [workspace.id],
        )
      ).rows;
      await db.query("COMMIT");
    } finally {
      db.release();
    }
    expect(ackedFound).toBe(ackedIds.length);
    // Each batch is one atomic statement: the in-flight one is either wholly there or not at all.
    expect(total % BATCH).toBe(0);
    expect(total).toBeGreaterThanOrEqual(ackedIds.length);
    for (const r of roll) expect(r).toMatchObject({ n: total, input: total * 100 });
    expect(roll).toHaveLength(3);
  });
});
