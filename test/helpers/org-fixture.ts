import { prisma, pool } from "@/server/db";
import { encryptSecret, sha256Hex } from "@/server/crypto";
import { createOrg, uniq } from "./factory";

/** An org with a row in every org-scoped table, for cross-tenant tests. */
export async function createRichOrg() {
  const base = await createOrg();
  const { org, owner, workspace, defaultTag } = base;
  const tag = await prisma.projectTag.create({ data: { orgId: org.id, workspaceId: workspace.id, slug: uniq("tag"), name: "Tag A", ownerId: owner.id } });
  const connection = await prisma.providerConnection.create({
    data: { orgId: org.id, provider: "openrouter", name: "OR A", secretCiphertext: encryptSecret("sk-or-secret-A"), secretLast4: "et-A", workspaceId: workspace.id },
  });
  const key = await prisma.providerKey.create({
    data: { orgId: org.id, connectionId: connection.id, provider: "openrouter", providerKeyId: uniq("hash"), label: "Key A", workspaceId: workspace.id, projectTagId: tag.id },
  });
  const token = await prisma.ingestToken.create({
    data: { orgId: org.id, workspaceId: workspace.id, name: "Token A", tokenHash: sha256Hex(uniq("tok")), prefix: "tg_ingest_xxxx" },
  });
  const invitation = await prisma.invitation.create({
    data: { orgId: org.id, email: `${uniq("inv")}@example.test`, role: "member", tokenHash: sha256Hex(uniq("inv")), expiresAt: new Date(Date.now() + 86_400_000) },
  });
  const member = await prisma.user.create({ data: { email: `${uniq("m")}@example.test`, name: "Member A" } });
  const membership = await prisma.membership.create({ data: { orgId: org.id, userId: member.id, role: "member" } });
  const budget = await prisma.budget.create({
    data: { orgId: org.id, name: "Budget A", scope: "workspace", workspaceId: workspace.id, period: "monthly", amountMicros: 100_000_000n, mode: "hard" },
  });
  const alert = await prisma.alert.create({
    data: { orgId: org.id, kind: "budget_threshold", dedupeKey: uniq("alert"), budgetId: budget.id, threshold: 80, title: "Alert A" },
  });
  const schedule = await prisma.reportSchedule.create({ data: { orgId: org.id, name: "Weekly A", frequency: "weekly", recipients: [owner.email] } });
  const apiToken = await prisma.apiToken.create({ data: { orgId: org.id, name: "API A", scopes: ["reports:read"], tokenHash: sha256Hex(uniq("api")), prefix: "tg_api_xxxx" } });
  const exp = await prisma.export.create({
    data: { orgId: org.id, shape: "raw", format: "csv", query: { from: "2026-01-01", to: "2026-01-02" }, status: "done", expiresAt: new Date(Date.now() + 86_400_000), chunks: { create: [{ seq: 0, data: Buffer.from("occurred_at\r\n") }] } },
  });
  const run = await prisma.reportRun.create({
    data: { orgId: org.id, scheduleId: schedule.id, dedupeKey: uniq("run"), periodStart: new Date(0), periodEnd: new Date(86_400_000), status: "sent", csv: Buffer.from("a\r\n") },
  });
  const action = await prisma.enforcementAction.create({
    data: { orgId: org.id, providerKeyId: key.id, budgetId: budget.id, action: "pause", reason: "test", dedupeKey: uniq("enf") },
  });
  await prisma.creditSnapshot.create({ data: { orgId: org.id, connectionId: connection.id, totalCreditsMicros: 10_000_000n, totalUsageMicros: 1_000_000n } });
  await prisma.priceOverride.create({ data: { orgId: org.id, provider: "openai", model: "gpt-4o", promptPerMTok: 1n, completionPerMTok: 2n } });
  await pool.query(
    `INSERT INTO usage_events ("orgId","workspaceId","externalId",source,provider,model,"occurredAt","costMicros") VALUES ($1,$2,$3,'push','openai','gpt-4o',now(),123)`,
    [org.id, workspace.id, uniq("ev")],
  );
  await pool.query(
    `INSERT INTO usage_rollups (granularity,"bucketStart","orgId","workspaceId",provider,model,"statusClass",requests,"costMicros") VALUES ('hour',date_trunc('hour',now()),$1,$2,'openai','gpt-4o','2xx',1,123)`,
    [org.id, workspace.id],
  );
  return {
    ...base,
    ids: {
      org: org.id,
      workspace: workspace.id,
      defaultTag: defaultTag.id,
      tag: tag.id,
      connection: connection.id,
      key: key.id,
      token: token.id,
      invitation: invitation.id,
      member: member.id,
      membership: membership.id,
      owner: owner.id,
      budget: budget.id,
      alert: alert.id,
      schedule: schedule.id,
      apiToken: apiToken.id,
      export: exp.id,
      run: run.id,
      enforcement: action.id,
    },
  };
}

/** Every row of every org-scoped table for `orgId`, plus its members' user rows. */
export async function snapshotOrg(orgId: string): Promise<string> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema='public' AND column_name='orgId' ORDER BY table_name`,
  );
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    const { rows } = await pool.query(`SELECT * FROM "${table_name}" WHERE "orgId" = $1`, [orgId]);
    out[table_name] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).sort();
  }
  out.orgs = (await pool.query(`SELECT * FROM orgs WHERE id = $1`, [orgId])).rows;
  out.users = (
    await pool.query(`SELECT u.* FROM users u JOIN memberships m ON m."userId" = u.id WHERE m."orgId" = $1 ORDER BY u.id`, [orgId])
  ).rows;
  return JSON.stringify(out);
}
