/**
 * The fault suites' worker children must be the worker itself: `kill -9` of the child has to
 * stop the process doing the work. (`tsx workers/main.ts` runs the worker in a second process;
 * SIGKILL of the tsx wrapper left that one running, orphaned, so "killed" workers kept working.)
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { killHard, sleep, spawnWorker, workerEnv } from "./harness";

/** Pids of the processes whose environment carries FAULTS_WORKER_TAG=tag. */
function processesWithTag(tag: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, "latin1").split("\0").includes(`FAULTS_WORKER_TAG=${tag}`)) out.push(Number(d));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

afterAll(async () => {
  await prisma.$disconnect();
  await pool.end();
});

describe("worker children", () => {
  it("kill -9 of a worker child leaves no process of it running", async () => {
    const tag = randomUUID();
    const w = await spawnWorker(workerEnv({ FAULTS_WORKER_TAG: tag }));
    expect(processesWithTag(tag)).toContain(w.proc.pid);
    await killHard(w);
    await sleep(1_000);
    const left = processesWithTag(tag);
    for (const pid of left) process.kill(pid, "SIGKILL"); // do not leave it behind either way
    expect(left).toEqual([]);
  });
});
