/**
 * Fault 6: the provider times out and flaps while pauses and resumes are requested. A proxy in
 * front of the fake OpenRouter holds 30 % of all requests past the client's timeout (and drops
 * them: the provider never processed them), and for 3 s after each change of a key's status
 * answers 30 % of that key's reads with its previous status (reads flapping between replicas).
 * Pause follows resume at once, so the pause's first read often flaps. Worker children (PROVIDER_TIMEOUT_MS=1500) apply the actions with their
 * real retries. Three keys go through pause → resume cycles; a fourth key was disabled outside
 * Tollgate before anything happened, and is paused and resumed too. With the test's own record
 * of what it asked for and the fake's true state:
 * - every pause of an enabled key is confirmed (row `confirmed`) and the key is disabled at the
 *   fake; every resume of a key Tollgate paused is confirmed and the key is enabled at the fake
 *   (`pauses_unconfirmed` counts both kinds that are not);
 * - the key disabled outside Tollgate is never re-enabled (a wrong resume), whatever the reads said;
 * - no key was ever re-enabled at the fake while its latest request was a pause.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { requestPause, requestResume } from "@/features/enforcement/server/actions";
import { makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { createOrg } from "../helpers/factory";
import { eventually, recordFigures, spawnWorker, stopGracefully, workerEnv, type WorkerChild } from "./harness";
import { startFlakyProxy } from "./hold";

let or: FakeOpenRouter;
let proxy: Awaited<ReturnType<typeof startFlakyProxy>>;
const workers: WorkerChild[] = [];
const CYCLES = 3;

beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 96 });
  proxy = await startFlakyProxy(or.url, { timeoutRate: 0.3, flapRate: 0.3, holdMs: 2_500, lagMs: 3_000, seed: 9601, disabledOf: (h) => or.state.isDisabled(h) });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopGracefully(w)));
  await proxy?.close();
  await or?.close();
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

type Asked = { key: number; action: "pause" | "resume"; id: string; at: number; status?: string; disabledAtFake?: boolean; error?: string | null };

describe("timeouts and flapping key status while pauses and resumes are requested", () => {
  it("confirms every pause and resume at the fake and never resumes a key it did not pause", async () => {
    const o = await createOrg();
    const conn = await makeConnection(o.org.id, "openrouter", proxy.url, or.state.managementKey, o.workspace.id);
    const fakeKeys = [0, 1, 2, 3].map((i) => or.state.createKey({ name: `flap-${i}`, disabled: i === 3 }));
    const keys = await Promise.all(
      fakeKeys.map((fk, i) => makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, label: `Flap key ${i}`, workspaceId: o.workspace.id })),
    );
    workers.push(await spawnWorker(workerEnv({ PROVIDER_TIMEOUT_MS: "1500" })), await spawnWorker(workerEnv({ PROVIDER_TIMEOUT_MS: "1500" })));

    const asked: Asked[] = [];
    const settle = async (a: Asked) => {
      await eventually(async () => (await prisma.enforcementAction.findUniqueOrThrow({ where: { id: a.id } })).status !== "pending", 240_000, 500);
      const row = await prisma.enforcementAction.findUniqueOrThrow({ where: { id: a.id } });
      a.status = row.status;
      a.error = row.lastError;
      a.disabledAtFake = or.state.isDisabled(fakeKeys[a.key]!.hash);
    };
    const cycle = async (k: number) => {
      for (let c = 0; c < (k === 3 ? 1 : CYCLES); c++) {
        const pauseAskedAt = Date.now();
        const pauseId = await requestPause({ orgId: o.org.id, providerKeyId: keys[k]!.id, budgetId: null, reason: `faults flap ${c}`, dedupeKey: `faults-flap:${keys[k]!.id}:${c}`, periodStart: null });
        expect(pauseId).toBeTruthy();
        const p: Asked = { key: k, action: "pause", id: pauseId!, at: pauseAskedAt };
        asked.push(p);
        await settle(p);
        const resumeAskedAt = Date.now(); // before the call: its apply job may start at once
        const r = await requestResume({ id: keys[k]!.id, orgId: o.org.id }, { reason: `faults flap ${c}`, manual: true, budgetId: null, periodStart: null });
        if (!r) continue; // nothing to resume: the pause was not Tollgate's (the fourth key)
        const a: Asked = { key: k, action: "resume", id: r.id, at: resumeAskedAt };
        asked.push(a);
        await settle(a);
      }
    };
    await Promise.all([0, 1, 2, 3].map(cycle));
    proxy.setFaults(false);

    const pauseRows = await prisma.enforcementAction.findMany({ where: { orgId: o.org.id, action: "pause" }, select: { id: true, details: true } });
    const outcomeOf = (id: string) => (pauseRows.find((r) => r.id === id)?.details as { outcome?: string } | null)?.outcome;
    // Pauses of keys that were enabled, and resumes: each must be confirmed and true at the fake.
    const unconfirmed = asked.filter((a) =>
      a.key === 3 ? false : a.status !== "confirmed" || (a.action === "pause" ? a.disabledAtFake !== true : a.disabledAtFake !== false),
    );
    // The fourth key: disabled outside Tollgate. Any PATCH disabled=false for it is a wrong resume.
    const enables = proxy.calls.filter((c) => c.method === "PATCH" && c.outcome !== "timed-out" && /"disabled"\s*:\s*false/.test(c.body));
    const wrongResumes = enables.filter((c) => c.path.includes(fakeKeys[3]!.hash));
    // An enable reaching the fake while the key's latest request was a pause.
    const enableWhilePaused = enables.filter((c) => {
      const k = fakeKeys.findIndex((f) => c.path.includes(f.hash));
      const last = asked.filter((a) => a.key === k && a.at <= c.at).at(-1);
      return last?.action === "pause";
    });
    const faults = { timedOut: proxy.calls.filter((c) => c.outcome === "timed-out").length, flapped: proxy.calls.filter((c) => c.outcome === "flapped").length, calls: proxy.calls.length };
    recordFigures("providers-flap", {
      events_lost: 0,
      events_double_counted: 0,
      alerts_duplicated: 0,
      alerts_missed: 0,
      pauses_unconfirmed: unconfirmed.length,
      detail: {
        faults,
        asked: asked.length,
        unconfirmed: unconfirmed.map((a) => ({ ...a, outcome: a.action === "pause" ? outcomeOf(a.id) : undefined })),
        wrongResumes: wrongResumes.length,
        enableWhilePaused: enableWhilePaused.length,
        fourthKey: { disabledAtFake: or.state.isDisabled(fakeKeys[3]!.hash), pauseOutcome: outcomeOf(asked.find((a) => a.key === 3)!.id) },
      },
    });

    expect(faults.timedOut).toBeGreaterThan(0);
    expect(faults.flapped).toBeGreaterThan(0);
    expect(asked.filter((a) => a.key !== 3)).toHaveLength(3 * CYCLES * 2);
    expect(unconfirmed).toEqual([]);
    expect(wrongResumes).toEqual([]);
    expect(enableWhilePaused).toEqual([]);
    expect(or.state.isDisabled(fakeKeys[3]!.hash)).toBe(true);
  });
});
