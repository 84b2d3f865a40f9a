import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { until } from "../../../../test/helpers/wait";

// This file runs real BullMQ workers: give it its own Redis prefix so they only see its jobs.
vi.hoisted(() => {
  process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? "tgtest"}-broken-${process.pid}`;
});

const { addMember, createOrg } = await import("../../../../test/helpers/factory");
const { mailbox, waitForMail } = await import("../../../../test/helpers/mail");
const { prisma } = await import("@/server/db");
const { enqueue, getQueue } = await import("@/server/jobs/queue");
const { startWorkers } = await import("../../../../workers/run");
const { startFakeOpenRouter } = await import("@/providers/openrouter/fake");
const { startFakeOpenAI } = await import("@/providers/openai/fake");
const { pollOpenAI } = await import("./poll-openai");
const { makeConnection, noSleep } = await import("./pollers.test-helpers");

let fakeOr: Awaited<ReturnType<typeof startFakeOpenRouter>>;
let fakeOai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let stop: () => Promise<void>;
beforeAll(async () => {
  fakeOr = await startFakeOpenRouter({ seed: 51 });
  fakeOai = await startFakeOpenAI({ seed: 52 });
  stop = (await startWorkers({ schedules: false, log: () => {} })).stop;
});
afterAll(async () => {
  await stop();
  await Promise.all([fakeOr.close(), fakeOai.close()]);
});


let n = 0;
async function pollThroughQueue(connectionId: string) {
  const job = await enqueue("providers.poll-openrouter", { connectionId }, { jobId: `test-poll-${connectionId}-${++n}` });
  await until("the poll job to finish", async () => (await job.isCompleted()) || (await job.isFailed()));
  return getQueue("providers").getJob(job.id!);
}

describe("a connection whose key is rejected", () => {
  it("is marked broken with the reason, its owners and admins get ONE email, and a later successful poll revives it", async () => {
    const { org, owner } = await createOrg();
    const admin = await addMember(org.id, "admin");
    const member = await addMember(org.id, "member");
    const secret = fakeOr.state.addManagementKey();
    const conn = await makeConnection(org, { provider: "openrouter", secret, baseUrl: fakeOr.url });
    fakeOr.state.invalidateManagementKey(secret);

    const job = await pollThroughQueue(conn.id);
    expect(job?.returnvalue).toMatchObject({ status: "broken" });
    const row = await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } });
    expect(row.status).toBe("broken");
    expect(row.statusReason).toMatch(/OpenRouter rejected the management key \(HTTP 401\)/);
    // The provider's own error text is not reflected into the UI, only status and short code.
    expect(row.statusReason).not.toContain("User not found");

    const [mail] = await waitForMail(owner.email, { subject: /broken/ });
    expect(mail!.subject).toContain(`"${conn.name}" is broken`);
    await waitForMail(admin.user.email, { subject: /broken/ });

    // More failing polls: still broken, still one alert, still one email each.
    await pollThroughQueue(conn.id);
    await pollThroughQueue(conn.id);
    const alerts = await prisma.alert.findMany({ where: { orgId: org.id, kind: "connection_broken" } });
    expect(alerts).toHaveLength(1);
    await until("the alert to be delivered", async () => (await prisma.alert.findUniqueOrThrow({ where: { id: alerts[0]!.id } })).emailStatus === "sent");
    // (Besides the verification link that password sign-up sends every new owner.)
    expect((await mailbox(owner.email)).filter((m) => !/Verify your email/.test(m.subject))).toHaveLength(1);
    expect(await mailbox(admin.user.email)).toHaveLength(1);
    expect(await mailbox(member.user.email)).toHaveLength(0);

    // The key works again: the next poll sets the connection back to active.
    fakeOr.state.invalidateManagementKey(secret, true);
    expect((await pollThroughQueue(conn.id))?.returnvalue).toMatchObject({ status: "ok" });
    expect(await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } })).toMatchObject({ status: "active", statusReason: null });

    // A new breakage is a new alert and a new email.
    fakeOr.state.invalidateManagementKey(secret);
    await pollThroughQueue(conn.id);
    expect(await prisma.alert.count({ where: { orgId: org.id, kind: "connection_broken" } })).toBe(2);
    await waitForMail(owner.email, { subject: /broken/, count: 2 });
  });

  it("OpenAI: a 403 (not an admin key) marks the connection broken; 5xx does not", async () => {
    const { org } = await createOrg();
    const projectKey = fakeOai.state.createApiKey(fakeOai.state.createProject({ name: "p" }).id, { name: "k", serviceAccountName: "s" });
    const conn = await makeConnection(org, { provider: "openai", secret: projectKey.secret, baseUrl: fakeOai.url });
    fakeOai.controls.failNext(10, 503, { pathPrefix: "/organization/projects" });
    await expect(pollOpenAI(conn.id, { sleep: noSleep, maxRetries: 1 })).rejects.toMatchObject({ status: 503 });
    expect((await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } })).status).toBe("active");
    fakeOai.controls.clearFailures();
    expect(await pollOpenAI(conn.id, { sleep: noSleep })).toMatchObject({ status: "broken" });
    const row = await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } });
    expect(row.status).toBe("broken");
    expect(row.statusReason).toMatch(/OpenAI rejected the admin key \(HTTP 403/);
    expect(await prisma.alert.count({ where: { orgId: org.id, kind: "connection_broken", subjectId: conn.id } })).toBe(1);
  });
});
