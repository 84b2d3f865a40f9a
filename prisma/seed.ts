/**
 * Demo data, idempotent: running it again changes nothing that exists.
 * The demo org "Acme AI" with its admin, members, two workspaces, project tags,
 * connections to the local fake OpenRouter/OpenAI, an ingest token and 30 days of usage.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { prisma, pool } from "../src/server/db";
import { hashPassword } from "../src/server/auth/password";
import { encryptSecret, generateToken, last4, sha256Hex } from "../src/server/crypto";
import { seedDemoExtras } from "./seed-extras";
import { closeQueues } from "../src/server/jobs/queue";

export const DEMO = {
  adminEmail: "admin@demo.tollgate.dev",
  password: "tollgate-demo",
  orgSlug: "acme",
};

const MEMBERS = [
  { email: DEMO.adminEmail, name: "Ada Admin", role: "owner" as const },
  { email: "finance@demo.tollgate.dev", name: "Fin Ops", role: "admin" as const },
  { email: "maya@demo.tollgate.dev", name: "Maya Engineer", role: "member" as const },
  { email: "li@demo.tollgate.dev", name: "Li Researcher", role: "member" as const },
  { email: "victor@demo.tollgate.dev", name: "Victor Viewer", role: "viewer" as const },
];

const WORKSPACES = [
  { slug: "production", name: "Production", tags: [["chatbot", "Support chatbot", 2], ["search", "Semantic search", 2], ["summarizer", "Doc summarizer", 0]] },
  { slug: "research", name: "Research", tags: [["evals", "Model evals", 3], ["agents", "Agent experiments", 3]] },
] as const;

async function main() {
  const passwordHash = await hashPassword(DEMO.password);
  const users = [];
  for (const m of MEMBERS) {
    users.push(
      await prisma.user.upsert({
        where: { email: m.email },
        update: {},
        create: { email: m.email, name: m.name, passwordHash, emailVerified: new Date() },
      }),
    );
  }
  const org = await prisma.org.upsert({
    where: { slug: DEMO.orgSlug },
    update: {},
    create: { slug: DEMO.orgSlug, name: "Acme AI", timeZone: "America/New_York" },
  });
  for (const [i, m] of MEMBERS.entries()) {
    await prisma.membership.upsert({
      where: { orgId_userId: { orgId: org.id, userId: users[i]!.id } },
      update: {},
      create: { orgId: org.id, userId: users[i]!.id, role: m.role },
    });
  }
  const workspaces = [];
  for (const w of WORKSPACES) {
    const ws = await prisma.workspace.upsert({
      where: { orgId_slug: { orgId: org.id, slug: w.slug } },
      update: {},
      create: { orgId: org.id, slug: w.slug, name: w.name, retentionDays: w.slug === "production" ? 90 : 30 },
    });
    workspaces.push(ws);
    await prisma.projectTag.upsert({
      where: { workspaceId_slug: { workspaceId: ws.id, slug: "untagged" } },
      update: {},
      create: { orgId: org.id, workspaceId: ws.id, slug: "untagged", name: "Untagged", isDefault: true, ownerId: users[0]!.id },
    });
    for (const [slug, name, ownerIdx] of w.tags) {
      await prisma.projectTag.upsert({
        where: { workspaceId_slug: { workspaceId: ws.id, slug } },
        update: {},
        create: { orgId: org.id, workspaceId: ws.id, slug, name, ownerId: users[ownerIdx]!.id },
      });
    }
  }

  // Connections to the local fakes (keys are the fakes' fixed demo keys).
  const conns = [
    { provider: "openrouter" as const, name: "OpenRouter (demo)", baseUrl: process.env.DEMO_OPENROUTER_URL, secret: process.env.DEMO_OPENROUTER_KEY ?? "sk-or-v1-demo-management-key", ws: workspaces[0]! },
    { provider: "openai" as const, name: "OpenAI (demo)", baseUrl: process.env.DEMO_OPENAI_URL, secret: process.env.DEMO_OPENAI_KEY ?? "sk-admin-demo-admin-key", ws: workspaces[0]! },
  ];
  for (const c of conns) {
    const existing = await prisma.providerConnection.findFirst({ where: { orgId: org.id, provider: c.provider, name: c.name } });
    if (existing) {
      // The fakes may run on other ports this time: keep the base URL current.
      if (c.baseUrl && existing.baseUrl !== c.baseUrl) {
        await prisma.providerConnection.update({ where: { id: existing.id }, data: { baseUrl: c.baseUrl } });
      }
      continue;
    }
    await prisma.providerConnection.create({
      data: {
        orgId: org.id,
        provider: c.provider,
        name: c.name,
        baseUrl: c.baseUrl ?? null,
        workspaceId: c.ws.id,
        secretCiphertext: encryptSecret(c.secret),
        secretLast4: last4(c.secret),
        createdById: users[0]!.id,
      },
    });
  }

  // The demo's live traffic generator pushes with this token; its plain value is kept
  // (git-ignored) in .data so reruns reuse it.
  mkdirSync(".data", { recursive: true });
  const tokenFile = ".data/demo-ingest-token";
  let token = existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "";
  if (!token || !(await prisma.ingestToken.findUnique({ where: { tokenHash: sha256Hex(token) } }))) {
    token = generateToken("tg_ingest");
    await prisma.ingestToken.create({
      data: { orgId: org.id, workspaceId: workspaces[0]!.id, name: "Demo traffic", tokenHash: sha256Hex(token), prefix: token.slice(0, 14), createdById: users[0]!.id },
    });
    writeFileSync(tokenFile, token + "\n");
  }

  await seedDemoExtras({ orgId: org.id, userIds: users.map((u) => u.id), workspaceIds: workspaces.map((w) => w.id) });
  console.log(`[seed] demo org "${org.name}" ready: sign in as ${DEMO.adminEmail} / ${DEMO.password}`);
}

main()
  .then(async () => {
    await closeQueues();
    await prisma.$disconnect();
    await pool.end();
    // Shared Redis connections (rate limits, budget triggers) would keep the process alive.
    process.exit(0);
  })
  .catch(async (e) => {
    console.error(e);
    await prisma.$disconnect();
    await pool.end();
    process.exit(1);
  });
