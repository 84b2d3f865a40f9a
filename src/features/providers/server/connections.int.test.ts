import { afterAll, describe, expect, it, vi } from "vitest";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { prisma } from "@/server/db";
import { decryptSecret } from "@/server/crypto";
import { closeQueues, getQueue } from "@/server/jobs/queue";

vi.mock("@/server/next/session", () => sessionMock);

const { createConnectionAction, updateConnectionAction, rotateConnectionSecretAction, deleteConnectionAction, pollConnectionAction } = await import(
  "@/app/[org]/connections/actions"
);
const { createConnection, listConnections, getConnectionForJob, pollJobId } = await import("./connections");

afterAll(async () => {
  await closeQueues();
});

const secret = () => `sk-or-v1-${uniq("secret")}WXYZ`;
const input = (s: string, extra: Record<string, unknown> = {}) => ({ provider: "openrouter", name: "Main OpenRouter", secret: s, workspaceId: "", baseUrl: "", ...extra });

describe("provider connections", () => {
  it("stores the secret encrypted, shows only its last 4, and never returns it", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const s = secret();
    const res = await createConnectionAction(a.org.slug, input(s, { workspaceId: a.workspace.id, baseUrl: "http://127.0.0.1:4010/api/v1/" }));
    expect(res).toMatchObject({ ok: true, data: { provider: "openrouter", secretLast4: "WXYZ", status: "active", workspaceId: a.workspace.id, baseUrl: "http://127.0.0.1:4010/api/v1" } });
    if (!res.ok) throw new Error("unreachable");
    expect(JSON.stringify(res)).not.toContain(s);
    expect(res.data).not.toHaveProperty("secretCiphertext");

    const row = await prisma.providerConnection.findUniqueOrThrow({ where: { id: res.data.id } });
    expect(row.secretCiphertext).not.toContain(s);
    expect(row.secretCiphertext.startsWith("v1:")).toBe(true);
    expect(decryptSecret(row.secretCiphertext)).toBe(s);
    expect(row.secretLast4).toBe(s.slice(-4));

    const list = await listConnections(a.ctx);
    expect(list).toEqual([expect.objectContaining({ id: row.id, secretLast4: "WXYZ", keyCount: 0 })]);
    expect(list[0]).not.toHaveProperty("secretCiphertext");
    expect(JSON.stringify(list)).not.toContain(s);
    expect(JSON.stringify(list)).not.toContain(row.secretCiphertext);

    expect(await getConnectionForJob(row.id)).toMatchObject({ id: row.id, orgId: a.org.id, secret: s, provider: "openrouter" });
  });

  it("rotates the secret, revives a broken connection, and audits every change without the secret", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const s1 = secret();
    const s2 = `sk-or-v1-${uniq("rotated")}9876`;
    const c = await createConnection(a.ctx, { provider: "openrouter", name: "OR", secret: s1, workspaceId: null, baseUrl: null });
    await prisma.providerConnection.update({ where: { id: c.id }, data: { status: "broken", statusReason: "401 from provider" } });

    expect(await rotateConnectionSecretAction(a.org.slug, { connectionId: c.id, secret: s2 })).toMatchObject({ ok: true, data: { secretLast4: "9876", status: "active", statusReason: null } });
    const row = await prisma.providerConnection.findUniqueOrThrow({ where: { id: c.id } });
    expect(decryptSecret(row.secretCiphertext)).toBe(s2);

    expect(await updateConnectionAction(a.org.slug, { connectionId: c.id, name: "Renamed", workspaceId: a.workspace.id, baseUrl: "", enabled: false })).toMatchObject({
      ok: true,
      data: { name: "Renamed", status: "disabled", statusReason: `Disabled by ${a.owner.email}`, workspaceId: a.workspace.id },
    });
    expect(await pollConnectionAction(a.org.slug, { connectionId: c.id })).toMatchObject({ ok: false, status: 409 });
    expect(await updateConnectionAction(a.org.slug, { connectionId: c.id, name: "Renamed", workspaceId: "", baseUrl: "", enabled: true })).toMatchObject({
      ok: true,
      data: { status: "active", statusReason: null, workspaceId: null },
    });

    const logs = await prisma.auditLog.findMany({ where: { orgId: a.org.id, targetId: c.id }, orderBy: { createdAt: "asc" } });
    expect(logs.map((l) => l.action)).toEqual(["connection.created", "connection.secret_rotated", "connection.updated", "connection.updated"]);
    expect(logs[1]).toMatchObject({ actorUserId: a.owner.id, before: { last4: s1.slice(-4), status: "broken" }, after: { last4: "9876", status: "active" } });
    expect(logs[2]).toMatchObject({ before: { name: "OR", status: "active" }, after: { name: "Renamed", status: "disabled" } });
    const dump = JSON.stringify(logs);
    for (const leaked of [s1, s2, row.secretCiphertext, "secretCiphertext"]) expect(dump).not.toContain(leaked);

    expect(await deleteConnectionAction(a.org.slug, { connectionId: c.id })).toMatchObject({ ok: true });
    expect(await prisma.providerConnection.findUnique({ where: { id: c.id } })).toBeNull();
    const del = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "connection.deleted" } });
    expect(del.before).toMatchObject({ name: "Renamed", provider: "openrouter" });
    expect(JSON.stringify(del)).not.toContain(s2);
  });

  it("answers inline errors for bad provider, short key, bad URL, and 404 for a foreign workspace", async () => {
    const a = await createOrg();
    const b = await createOrg();
    actAs(a.owner.id);
    const bad = await createConnectionAction(a.org.slug, { provider: "anthropic", name: "", secret: "short", baseUrl: "not a url" });
    expect(bad).toMatchObject({ ok: false, status: 400 });
    if (bad.ok) throw new Error("unreachable");
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(["baseUrl", "name", "provider", "secret"]);
    // Another org's workspace is "not found", shown under the field.
    expect(await createConnectionAction(a.org.slug, input(secret(), { workspaceId: b.workspace.id }))).toMatchObject({
      ok: false,
      status: 404,
      fieldErrors: { workspaceId: "Choose a workspace of this organization" },
    });
    expect(await prisma.providerConnection.count({ where: { orgId: { in: [a.org.id, b.org.id] } } })).toBe(0);
  });

  it("changing the base URL requires the key again, and only the providers' own hosts (plus configured fakes) are accepted", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const s1 = secret();
    const c = await createConnection(a.ctx, { provider: "openrouter", name: "OR", secret: s1, workspaceId: null, baseUrl: null });
    const update = (extra: Record<string, unknown>) => updateConnectionAction(a.org.slug, { connectionId: c.id, name: "OR", workspaceId: "", baseUrl: "", enabled: true, ...extra });

    // An admin who never saw the key can't point it elsewhere.
    expect(await update({ baseUrl: "https://openrouter.ai/api/v1" })).toMatchObject({ ok: false, status: 400, fieldErrors: { secret: expect.stringMatching(/requires the key again/) } });
    // A host outside the allow-list is refused even with the key.
    expect(await update({ baseUrl: "https://attacker.example/v1", secret: secret() })).toMatchObject({ ok: false, status: 400, fieldErrors: { baseUrl: expect.stringMatching(/provider's own API host/) } });
    expect(await update({ baseUrl: "http://169.254.169.254/latest", secret: secret() })).toMatchObject({ ok: false, status: 400, fieldErrors: { baseUrl: expect.any(String) } });
    expect(await createConnectionAction(a.org.slug, input(secret(), { baseUrl: "https://attacker.example/v1" }))).toMatchObject({ ok: false, status: 400, fieldErrors: { baseUrl: expect.any(String) } });
    const unchanged = await prisma.providerConnection.findUniqueOrThrow({ where: { id: c.id } });
    expect(unchanged.baseUrl).toBeNull();
    expect(decryptSecret(unchanged.secretCiphertext)).toBe(s1);

    // With the key: the URL and the key change together. Other edits need no key.
    const s2 = secret();
    expect(await update({ baseUrl: "https://openrouter.ai/api/v1", secret: s2 })).toMatchObject({ ok: true, data: { baseUrl: "https://openrouter.ai/api/v1" } });
    expect(decryptSecret((await prisma.providerConnection.findUniqueOrThrow({ where: { id: c.id } })).secretCiphertext)).toBe(s2);
    expect(await update({ baseUrl: "https://openrouter.ai/api/v1", name: "Renamed" })).toMatchObject({ ok: true, data: { name: "Renamed" } });
  });

  it("a stored base URL on a private or metadata address is refused at request time, before the key leaves", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const c = await createConnection(a.ctx, { provider: "openrouter", name: "OR", secret: secret(), workspaceId: null, baseUrl: null });
    // As if written before the rules existed.
    await prisma.providerConnection.update({ where: { id: c.id }, data: { baseUrl: "http://169.254.169.254/api/v1", createdAt: new Date(Date.now() - 5 * 60_000) } });
    const { pollOpenRouter } = await import("./poll-openrouter");
    await expect(pollOpenRouter(c.id, { sleep: async () => {}, maxRetries: 0 })).rejects.toThrow(/Refused to call openrouter/);
  });

  it("'Poll now' enqueues the provider's poll job once per connection per minute", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const or = await createConnection(a.ctx, { provider: "openrouter", name: "OR", secret: secret(), workspaceId: null, baseUrl: null });
    const oa = await createConnection(a.ctx, { provider: "openai", name: "OA", secret: `sk-admin-${uniq("x")}`, workspaceId: null, baseUrl: null });
    const queue = getQueue("providers");
    const jobsOf = async (connectionId: string) =>
      (await queue.getJobs(["waiting", "delayed", "prioritized", "active", "completed", "failed"])).filter((j) => j.data.connectionId === connectionId);
    // Only Date is faked: both clicks land in the same minute, deterministically.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.floor(Date.now() / 60_000) * 60_000 + 5_000);
    try {
      const first = await pollConnectionAction(a.org.slug, { connectionId: or.id });
      const second = await pollConnectionAction(a.org.slug, { connectionId: or.id });
      expect(first).toMatchObject({ ok: true, data: { jobId: pollJobId(or.id) } });
      expect(second).toEqual(first);
      const jobs = await jobsOf(or.id);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ name: "providers.poll-openrouter", data: { connectionId: or.id } });

      vi.setSystemTime(Date.now() + 60_000);
      expect(await pollConnectionAction(a.org.slug, { connectionId: or.id })).toMatchObject({ ok: true });
      expect(await jobsOf(or.id)).toHaveLength(2);

      expect(await pollConnectionAction(a.org.slug, { connectionId: oa.id })).toMatchObject({ ok: true });
      expect(await jobsOf(oa.id)).toMatchObject([{ name: "providers.poll-openai", data: { connectionId: oa.id } }]);
    } finally {
      vi.useRealTimers();
      for (const j of [...(await jobsOf(or.id)), ...(await jobsOf(oa.id))]) await j.remove();
    }
  });

  it("viewers and members get 403; org B passing org A's ids gets 404 and nothing changes", async () => {
    const a = await createOrg();
    const s = secret();
    const c = await createConnection(a.ctx, { provider: "openrouter", name: "A's", secret: s, workspaceId: null, baseUrl: null });
    const before = await prisma.providerConnection.findUniqueOrThrow({ where: { id: c.id } });
    // Thunks, so each group of calls runs only under the session it is meant for.
    const calls = (slug: string) => [
      () => createConnectionAction(slug, input(secret())),
      () => updateConnectionAction(slug, { connectionId: c.id, name: "x", workspaceId: "", baseUrl: "", enabled: false }),
      () => rotateConnectionSecretAction(slug, { connectionId: c.id, secret: secret() }),
      () => deleteConnectionAction(slug, { connectionId: c.id }),
      () => pollConnectionAction(slug, { connectionId: c.id }),
    ];
    for (const role of ["viewer", "member"] as const) {
      const m = await addMember(a.org.id, role);
      actAs(m.user.id);
      for (const call of calls(a.org.slug)) expect(await call()).toMatchObject({ ok: false, status: 403 });
      // Reading is allowed and still never exposes the secret.
      expect(JSON.stringify(await listConnections(m.ctx))).not.toContain(s);
    }
    const b = await createOrg();
    actAs(b.owner.id);
    for (const call of calls(b.org.slug).slice(1)) expect(await call()).toMatchObject({ ok: false, status: 404 });
    expect(await prisma.providerConnection.findUniqueOrThrow({ where: { id: c.id } })).toEqual(before);
    expect(await prisma.providerConnection.count({ where: { orgId: a.org.id } })).toBe(1);
    expect(await listConnections(b.ctx)).toEqual([]);
  });
});
