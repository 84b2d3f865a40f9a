import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { mailbox } from "../../../../test/helpers/mail";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { landUsage, makeBudget, makeConnection, makeKey, recipient } from "@/features/budgets/test/fixtures";
import { deliverAlert } from "./deliver";
import { acknowledgeAlert, listAlerts } from "./feed";
import { creditStatsFor, creditsSweep } from "./credits";
import { anomalySweep, spikeTest } from "./anomaly";

// A Slack-like webhook receiver that can be told to fail.
let server: Server;
let hookUrl = "";
const received: unknown[] = [];
let failNext = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end("boom");
        return;
      }
      received.push(JSON.parse(body));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("alert delivery", () => {
  it("emails and posts Slack-compatible JSON; a webhook failure retries without re-sending the email", async () => {
    const { org, workspace } = await createOrg();
    const to = recipient();
    const budget = await makeBudget(org.id, { amountMicros: 1_000_000n, thresholds: [100], recipientEmails: [to], webhookUrl: hookUrl });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 1_500_000n }]);
    const [alertId] = (await evaluateBudget(org.id, budget.id))!.newAlerts;
    failNext = 1;
    await expect(deliverAlert(alertId!)).rejects.toThrow(/webhook/);
    let alert = await prisma.alert.findUniqueOrThrow({ where: { id: alertId! } });
    expect(alert).toMatchObject({ emailStatus: "sent", webhookStatus: "pending" });
    expect(alert.webhookError).toMatch(/500/);
    expect(await deliverAlert(alertId!)).toEqual({ email: "sent", webhook: "sent" });
    expect(await deliverAlert(alertId!)).toEqual({ email: "sent", webhook: "sent" });
    alert = await prisma.alert.findUniqueOrThrow({ where: { id: alertId! } });
    expect(alert.webhookError).toBeNull();
    expect(await mailbox(to)).toHaveLength(1);
    const mine = received.filter((b) => (b as { tollgate?: { id?: string } }).tollgate?.id === alertId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ text: expect.stringContaining("reached 100%"), blocks: expect.arrayContaining([expect.objectContaining({ type: "header" })]) });
  });

  it("budget recipients: roles and the project owner; no recipients falls back to admins", async () => {
    const { org, workspace, owner } = await createOrg();
    const admin = await addMember(org.id, "admin");
    const viewer = await addMember(org.id, "viewer");
    const tagOwner = await addMember(org.id, "member");
    const tag = await prisma.projectTag.create({ data: { orgId: org.id, workspaceId: workspace.id, slug: "p1", name: "P1", ownerId: tagOwner.user.id } });
    const b1 = await makeBudget(org.id, { amountMicros: 1n, thresholds: [100], scope: "project", projectTagId: tag.id, recipientRoles: ["viewer"], notifyProjectOwner: true });
    const b2 = await makeBudget(org.id, { amountMicros: 1n, thresholds: [100] });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(), costMicros: 10n, projectTagId: tag.id }]);
    const [a1] = (await evaluateBudget(org.id, b1.id))!.newAlerts;
    const [a2] = (await evaluateBudget(org.id, b2.id))!.newAlerts;
    await deliverAlert(a1!);
    await deliverAlert(a2!);
    expect(await mailbox(viewer.user.email)).toHaveLength(1);
    expect(await mailbox(tagOwner.user.email)).toHaveLength(1);
    expect(await mailbox(admin.user.email)).toHaveLength(1); // only the fallback one
    // (Besides the verification link that password sign-up sends every new owner.)
    expect((await mailbox(owner.email)).filter((m) => !/Verify your email/.test(m.subject))).toHaveLength(1);
  });
});

describe("alert feed", () => {
  it("lists newest first; admins acknowledge, viewers can't, other orgs get 404", async () => {
    const { org, ctx } = await createOrg();
    const other = await createOrg();
    const viewer = await addMember(org.id, "viewer");
    const a = await prisma.alert.create({ data: { orgId: org.id, kind: "anomaly", dedupeKey: `t-${org.id}-1`, title: "first" } });
    await prisma.alert.create({ data: { orgId: org.id, kind: "low_credit", dedupeKey: `t-${org.id}-2`, title: "second" } });
    expect((await listAlerts(ctx)).items.map((i) => i.title)).toEqual(["second", "first"]);
    await expect(acknowledgeAlert(viewer.ctx, { alertId: a.id })).rejects.toMatchObject({ status: 403 });
    await expect(acknowledgeAlert(other.ctx, { alertId: a.id })).rejects.toMatchObject({ status: 404 });
    expect((await listAlerts(other.ctx)).items).toEqual([]);
    await acknowledgeAlert(ctx, { alertId: a.id });
    const open = await listAlerts(ctx, { onlyOpen: true });
    expect(open.items.map((i) => i.title)).toEqual(["second"]);
    expect((await listAlerts(viewer.ctx)).items.find((i) => i.id === a.id)).toMatchObject({ acknowledgedBy: expect.stringContaining("@") });
  });

  it("a feed cursor (from the page URL) that no alert could have, e.g. with a NUL byte, shows the first page instead of failing", async () => {
    const { org, ctx } = await createOrg();
    await prisma.alert.create({ data: { orgId: org.id, kind: "anomaly", dedupeKey: `t-${org.id}-c`, title: "only" } });
    for (const cursor of ["a\u0000b", "a\ud800b"]) {
      expect((await listAlerts(ctx, { cursor })).items.map((i) => i.title)).toEqual(["only"]);
    }
  });
});

describe("OpenRouter credits", () => {
  it("computes burn rates on usage (not balance) and runway, and alerts once per day under the threshold", async () => {
    const { org } = await createOrg();
    const conn = await makeConnection(org.id, "openrouter", "http://127.0.0.1:9/api/v1", "sk-or-x");
    const now = new Date("2026-10-10T12:00:00Z");
    const h = 3_600_000;
    const snap = (hoursAgo: number, credits: number, usage: number) =>
      prisma.creditSnapshot.create({
        data: { orgId: org.id, connectionId: conn.id, totalCreditsMicros: BigInt(credits) * 1_000_000n, totalUsageMicros: BigInt(usage) * 1_000_000n, takenAt: new Date(now.getTime() - hoursAgo * h) },
      });
    await snap(7 * 24, 100, 0);
    await snap(24, 100, 22);
    await snap(1, 200, 40); // a top-up an hour ago: not negative spend
    await snap(0, 200, 46);
    const s = (await creditStatsFor(conn.id, conn.name, now))!;
    expect(s.balanceMicros).toBe(154_000_000n);
    expect(s.burn24hMicrosPerHour).toBe(1_000_000n); // $24 over 24 h
    expect(s.burn7dMicrosPerHour).toBe(273_809n); // $46 over 168 h
    expect(s.runwayHours).toBe(154);
    expect(await creditsSweep(now, { orgIds: [org.id] })).toHaveLength(0); // 154 h ≥ 72 h
    await prisma.org.update({ where: { id: org.id }, data: { lowCreditRunwayHours: 200 } });
    const first = await creditsSweep(now, { orgIds: [org.id] });
    expect(first).toHaveLength(1);
    expect(await creditsSweep(new Date(now.getTime() + 2 * h), { orgIds: [org.id] })).toHaveLength(0);
    const alert = await prisma.alert.findUniqueOrThrow({ where: { id: first[0]! } });
    expect(alert).toMatchObject({ kind: "low_credit" });
    expect(alert.payload).toMatchObject({ runwayHours: 154, balanceMicros: "154000000" });
    // Balance threshold, next day.
    await prisma.org.update({ where: { id: org.id }, data: { lowCreditRunwayHours: 72, lowCreditBalanceMicros: 200_000_000n } });
    await snap(-24, 200, 50);
    expect(await creditsSweep(new Date(now.getTime() + 24 * h), { orgIds: [org.id] })).toHaveLength(1);
  });
});

describe("OpenRouter credits: burn rate from recorded spend", () => {
  it("takes the burn rate and runway from the last 24 h of OpenRouter spend while the snapshots show no burn", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org.id, "openrouter", "http://127.0.0.1:9/api/v1", "sk-or-x");
    const h = 3_600_000;
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    // Two snapshots an hour apart whose total_usage has not moved (OpenRouter lags), balance $100.
    for (const hoursAgo of [1, 0]) {
      await prisma.creditSnapshot.create({ data: { orgId: org.id, connectionId: conn.id, totalCreditsMicros: 120_000_000n, totalUsageMicros: 20_000_000n, takenAt: new Date(now.getTime() - hoursAgo * h) } });
    }
    expect((await creditStatsFor(conn.id, conn.name, now))!).toMatchObject({ burn24hMicrosPerHour: 0n, burnMicrosPerHour: null, burnSource: null, runwayHours: null });
    // $4.80 of OpenRouter spend in the last day ($0.20/h), plus OpenAI spend and older spend that don't count.
    await landUsage([
      ...Array.from({ length: 8 }, (_, i) => ({ orgId: org.id, workspaceId: workspace.id, provider: "openrouter" as const, at: new Date(now.getTime() - (i * 2 + 1) * h), costMicros: 600_000n })),
      { orgId: org.id, workspaceId: workspace.id, provider: "openai" as const, at: new Date(now.getTime() - 2 * h), costMicros: 50_000_000n },
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter" as const, at: new Date(now.getTime() - 30 * h), costMicros: 50_000_000n },
    ]);
    const s = (await creditStatsFor(conn.id, conn.name, now))!;
    expect(s).toMatchObject({ burnSource: "spend", burnMicrosPerHour: 200_000n, runwayHours: 500 });
    expect(s.burn24hMicrosPerHour).toBe(0n); // the snapshot figure itself is still shown as measured

    // With a second OpenRouter connection, only the spend of this connection's keys counts.
    const second = await makeConnection(org.id, "openrouter", "http://127.0.0.1:9/api/v1", "sk-or-y");
    expect((await creditStatsFor(conn.id, conn.name, now))!).toMatchObject({ burnSource: null, runwayHours: null });
    const key = await makeKey(org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: "hash-burn" });
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, provider: "openrouter", providerKeyId: key.id, at: new Date(now.getTime() - 3 * h), costMicros: 2_400_000n }]);
    expect((await creditStatsFor(conn.id, conn.name, now))!).toMatchObject({ burnSource: "spend", burnMicrosPerHour: 100_000n, runwayHours: 1000 });
    expect(second.id).not.toBe(conn.id);
  });
});

describe("anomalies", () => {
  it("median + k·MAD: robust to one earlier spike, with an absolute floor", () => {
    const base = [1, 1.2, 0.9, 1.1, 1, 30, 1].map((x) => BigInt(Math.round(x * 1e6)));
    expect(spikeTest(3_000_000n, base, 5_000_000n).spike).toBe(false); // under the $5 floor
    expect(spikeTest(8_000_000n, base, 5_000_000n).spike).toBe(true);
    const noisy = [2, 14, 3, 12, 4, 10, 8].map((x) => BigInt(x * 1e6));
    expect(spikeTest(20_000_000n, noisy, 1_000_000n).spike).toBe(false); // within this subject's spread
  });

  it("alerts on a key's and a member's spike against the same hour of the last 7 days, once; optionally pauses the key", async () => {
    const { org, workspace, owner } = await createOrg();
    await prisma.org.update({ where: { id: org.id }, data: { anomalyMinSpendMicros: 2_000_000n, anomalyAutoPause: true } });
    const key = await makeKey(org.id, { connectionId: null, provider: "openrouter", providerKeyId: `h-${org.id}`, label: "batch-job" });
    const steady = await makeKey(org.id, { connectionId: null, provider: "openrouter", providerKeyId: `s-${org.id}`, label: "steady" });
    const now = new Date("2026-10-10T12:30:00Z");
    const hour = Date.parse("2026-10-10T11:00:00Z");
    const usage = [];
    for (let d = 1; d <= 7; d++) {
      const at = new Date(hour - d * 86_400_000 + 10 * 60_000);
      usage.push({ orgId: org.id, workspaceId: workspace.id, at, costMicros: 500_000n + BigInt(d) * 10_000n, providerKeyId: key.id, memberId: owner.id, provider: "openrouter" as const });
      usage.push({ orgId: org.id, workspaceId: workspace.id, at, costMicros: 9_000_000n, providerKeyId: steady.id, provider: "openrouter" as const });
    }
    usage.push({ orgId: org.id, workspaceId: workspace.id, at: new Date(hour + 5 * 60_000), costMicros: 12_000_000n, providerKeyId: key.id, memberId: owner.id, provider: "openrouter" as const });
    usage.push({ orgId: org.id, workspaceId: workspace.id, at: new Date(hour + 5 * 60_000), costMicros: 9_500_000n, providerKeyId: steady.id, provider: "openrouter" as const });
    await landUsage(usage);
    const found = await anomalySweep(now, { orgIds: [org.id] });
    expect(found.map((f) => `${f.kind}:${f.id}`).sort()).toEqual([`key:${key.id}`, `member:${owner.id}`].sort());
    expect(await anomalySweep(now, { orgIds: [org.id] }).then((f) => f.filter((x) => x.alertId))).toHaveLength(0);
    const alerts = await prisma.alert.findMany({ where: { orgId: org.id, kind: "anomaly" } });
    expect(alerts).toHaveLength(2);
    expect(alerts.find((a) => a.subjectId === key.id)!.payload).toMatchObject({ spendMicros: "12000000", medianMicros: "540000" });
    const pause = await prisma.enforcementAction.findFirstOrThrow({ where: { orgId: org.id, providerKeyId: key.id, action: "pause" } });
    expect(pause.budgetId).toBeNull();
    expect(await prisma.enforcementAction.count({ where: { orgId: org.id, providerKeyId: steady.id } })).toBe(0);
  });
});
