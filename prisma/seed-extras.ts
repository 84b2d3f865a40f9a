/**
 * Demo usage history and budgets (idempotent):
 * - prices: the shipped OpenAI table and OpenRouter's /models (from the fake in the demo);
 * - 30 days of pushed usage for the Production workspace through the real writer
 *   (deterministic event ids, so a rerun writes nothing new), carried by the keys the fakes
 *   expose (seed-keys.ts) the way a team's traffic is: each key belongs to a project, a person
 *   and a codebase, and a few requests come from elsewhere or report no key;
 * - a few budgets, soft and hard, through the budgets service;
 * - a first poll of each demo connection, queued for the workers (30-day backfill).
 */
import { prisma } from "../src/server/db";
import { resolveTenant } from "../src/server/tenant";
import { writeUsageEvents } from "../src/features/ingest/server/write-events";
import type { NormalizedEvent } from "../src/features/ingest/types";
import { runPricingSync } from "../src/features/pricing/server/run-sync";
import { createBudget } from "../src/features/budgets/server/budgets";
import { enqueue } from "../src/server/jobs/queue";
import { seedDemoKeys, type DemoKey } from "./seed-keys";

type Demo = { orgId: string; userIds: string[]; workspaceIds: string[] };

const MODELS = [
  { provider: "openrouter", model: "anthropic/claude-sonnet-4", inPerM: 3, outPerM: 15, weight: 3 },
  { provider: "openrouter", model: "google/gemini-2.5-flash", inPerM: 0.3, outPerM: 2.5, weight: 4 },
  { provider: "openrouter", model: "deepseek/deepseek-r1", inPerM: 0.55, outPerM: 2.19, weight: 1 },
  { provider: "openai", model: "gpt-4o", inPerM: 2.5, outPerM: 10, weight: 2 },
  { provider: "openai", model: "gpt-4o-mini", inPerM: 0.15, outPerM: 0.6, weight: 5 },
  { provider: "openai", model: "o4-mini", inPerM: 1.1, outPerM: 4.4, weight: 1 },
] as const;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const LANGUAGES = ["python", "typescript", "go"] as const;

/**
 * Each key's home: the project, person and codebase that use it. Keys of one provider take
 * turns over the non-default tags (a team keeps a key per project); keys the provider didn't
 * attribute get their project tag here, once (a rerun leaves an admin's choice alone).
 */
async function keyHomes(keys: DemoKey[], ws: string, tags: { id: string; slug: string }[], members: string[]) {
  const projects = tags.filter((t) => t.slug !== "untagged");
  const homes = new Map<"openrouter" | "openai", { keyId: string; tagId: string; memberId: string; language: string }[]>();
  for (const provider of ["openrouter", "openai"] as const) {
    const mine = keys.filter((k) => k.provider === provider);
    const list = mine.map((k, i) => ({ keyId: k.id, tagId: k.projectTagId ?? projects[i % projects.length]!.id, memberId: members[i % members.length]!, language: LANGUAGES[i % LANGUAGES.length]! }));
    for (const h of list) await prisma.providerKey.updateMany({ where: { id: h.keyId, projectTagId: null, workspaceId: ws }, data: { projectTagId: h.tagId } });
    homes.set(provider, list);
  }
  return homes;
}

async function seedUsage(demo: Demo, keys: DemoKey[]) {
  const ws = demo.workspaceIds[0]!;
  const tags = await prisma.projectTag.findMany({ where: { workspaceId: ws }, select: { id: true, slug: true }, orderBy: { slug: "asc" } });
  const rand = rng(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const weighted = MODELS.flatMap((m) => Array(m.weight).fill(m) as (typeof MODELS)[number][]);
  const members = demo.userIds.slice(0, 4);
  const homes = await keyHomes(keys, ws, tags, members);
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  let written = 0;
  for (let d = 30; d >= 1; d--) {
    const day = new Date(today.getTime() - d * 86_400_000);
    const weekend = [0, 6].includes(day.getUTCDay());
    const n = Math.floor((weekend ? 50 : 140) * (0.8 + rand() * 0.4) * (1 + (30 - d) / 60));
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < n; i++) {
      const m = pick(weighted);
      // Working hours in New York carry most traffic.
      const hour = rand() < 0.8 ? 13 + Math.floor(rand() * 10) : Math.floor(rand() * 24);
      const at = new Date(day.getTime() + hour * 3_600_000 + Math.floor(rand() * 3_600_000));
      const input = Math.floor(2_000 + rand() * 40_000);
      const cached = rand() < 0.35 ? Math.floor(input * (0.3 + rand() * 0.6)) : 0;
      const output = Math.floor(400 + rand() * 8_000);
      const reasoning = m.model.includes("r1") || m.model.startsWith("o4") ? Math.floor(output * 0.5) : 0;
      const failed = rand() < 0.025;
      const reported = m.provider === "openrouter" && !failed;
      // About 4 % of requests report no key (a script with an env var nobody registered).
      const providerHomes = homes.get(m.provider) ?? [];
      // A few keys carry most traffic, as in a real team (weights 8, 6, 4, 2, 1, 1…).
      const home = providerHomes.length && rand() >= 0.04 ? pick(providerHomes.flatMap((h, k) => Array<typeof h>(Math.max(1, 8 - 2 * k)).fill(h))) : null;
      const stray = rand() < 0.12; // someone borrowing a key for another project
      events.push({
        orgId: demo.orgId,
        workspaceId: ws,
        externalId: `demo-history-${day.toISOString().slice(0, 10)}-${i}`,
        source: "push",
        provider: m.provider,
        model: m.model,
        projectTagId: home && !stray ? home.tagId : pick(tags).id,
        memberId: home && !stray ? home.memberId : rand() < 0.9 ? pick(members) : null,
        endUser: null,
        providerKeyId: home?.keyId ?? null,
        apiKeyRef: null,
        service: pick(["api", "worker", "batch"]),
        language: home ? home.language : pick(LANGUAGES),
        occurredAt: at,
        inputTokens: input,
        outputTokens: failed ? 0 : output,
        cachedTokens: cached,
        cacheWriteTokens: 0,
        reasoningTokens: failed ? 0 : reasoning,
        requests: 1,
        // OpenRouter reports cost per request; OpenAI events are priced by Tollgate's catalog.
        costMicros: reported ? BigInt(Math.round((input - cached) * m.inPerM + cached * m.inPerM * 0.25 + output * m.outPerM)) : null,
        latencyMs: Math.floor(400 + rand() * 6000),
        status: failed ? pick([429, 500, 400]) : 200,
        errorType: failed ? "provider_error" : null,
        errorMessage: failed ? "Upstream provider failed" : null,
        generationId: null,
        metadata: null,
      });
    }
    written += (await writeUsageEvents(events)).inserted;
  }
  return written;
}

async function seedBudgets(demo: Demo) {
  const org = await prisma.org.findUniqueOrThrow({ where: { id: demo.orgId } });
  const ctx = await resolveTenant(demo.userIds[0]!, org.slug);
  const chatbot = await prisma.projectTag.findFirst({ where: { workspaceId: demo.workspaceIds[0]!, slug: "chatbot" } });
  const budgets = [
    { name: "Company monthly", scope: "org", period: "monthly", amountUsd: "400", mode: "soft", recipientRoles: ["owner", "admin"] },
    { name: "Production daily", scope: "workspace", workspaceId: demo.workspaceIds[0], period: "daily", amountUsd: "15", mode: "soft", recipientRoles: ["admin"] },
    { name: "Research weekly (hard)", scope: "workspace", workspaceId: demo.workspaceIds[1], period: "weekly", amountUsd: "150", mode: "hard", recipientRoles: ["owner"] },
    { name: "Support chatbot monthly", scope: "project", projectTagId: chatbot?.id, period: "monthly", amountUsd: "120", mode: "soft", notifyProjectOwner: true, thresholds: [50, 80, 100] },
  ];
  for (const b of budgets) {
    if (await prisma.budget.findFirst({ where: { orgId: demo.orgId, name: b.name } })) continue;
    await createBudget(ctx, b);
  }
}

export async function seedDemoExtras(demo: Demo): Promise<void> {
  await runPricingSync({ openRouterBaseUrl: process.env.DEMO_OPENROUTER_URL }).catch((e: Error) =>
    console.warn(`[seed] price sync skipped: ${e.message}`),
  );
  const keys = await seedDemoKeys(demo.orgId);
  console.log(`[seed] keys from the fakes: ${keys.length}`);
  const written = await seedUsage(demo, keys);
  console.log(`[seed] usage history: ${written} new events`);
  await seedBudgets(demo);
  const conns = await prisma.providerConnection.findMany({ where: { orgId: demo.orgId, status: "active" } });
  for (const c of conns) {
    const job = c.provider === "openrouter" ? "providers.poll-openrouter" : "providers.poll-openai";
    await enqueue(job, { connectionId: c.id }, { jobId: `seed-poll-${c.id}` });
  }
}
