/**
 * Demo usage history and budgets (idempotent):
 * - prices: the shipped OpenAI table and OpenRouter's /models (from the fake in the demo);
 * - 30 days of pushed usage for the Production workspace through the real writer: a share of
 *   the requests the fakes served (their history, written by src/dev/fake-providers.ts), with
 *   deterministic event ids, so a rerun writes nothing new; carried by the keys the fakes
 *   expose (seed-keys.ts) the way a team's traffic is: each key belongs to a project, a person
 *   and a codebase, and a few requests come from another project or person;
 * - a few budgets, soft and hard, through the budgets service;
 * - a first poll of each demo connection, queued for the workers (30-day backfill).
 */
import { existsSync, readFileSync } from "node:fs";
import { prisma } from "../src/server/db";
import { resolveTenant } from "../src/server/tenant";
import { writeUsageEvents } from "../src/features/ingest/server/write-events";
import type { NormalizedEvent } from "../src/features/ingest/types";
import { runPricingSync } from "../src/features/pricing/server/run-sync";
import { createBudget } from "../src/features/budgets/server/budgets";
import { enqueue } from "../src/server/jobs/queue";
import { seedDemoKeys, type DemoKey } from "./seed-keys";

type Demo = { orgId: string; userIds: string[]; workspaceIds: string[] };

/** FNV-1a of a string: a request's own seed. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const LANGUAGES = ["python", "typescript", "go"] as const;

/**
 * Each key's home: the project, person and codebase that use it. Keys of one provider take
 * turns over the non-default tags (a team keeps a key per project); keys the provider didn't
 * attribute get their project tag and person here, once (a rerun leaves an admin's choice alone).
 */
async function keyHomes(keys: DemoKey[], ws: string, tags: { id: string; slug: string }[], members: string[]) {
  const projects = tags.filter((t) => t.slug !== "untagged");
  const homes = new Map<"openrouter" | "openai", { keyId: string; tagId: string; memberId: string; language: string }[]>();
  for (const provider of ["openrouter", "openai"] as const) {
    const mine = keys.filter((k) => k.provider === provider);
    const list = mine.map((k, i) => ({ keyId: k.id, tagId: k.projectTagId ?? projects[i % projects.length]!.id, memberId: members[i % members.length]!, language: LANGUAGES[i % LANGUAGES.length]! }));
    for (const h of list) {
      await prisma.providerKey.updateMany({ where: { id: h.keyId, projectTagId: null, workspaceId: ws }, data: { projectTagId: h.tagId } });
      // The person who uses the key: the polls' fills of its spend are theirs too.
      await prisma.providerKey.updateMany({ where: { id: h.keyId, memberUserId: null, workspaceId: ws }, data: { memberUserId: h.memberId } });
    }
    homes.set(provider, list);
  }
  return homes;
}

/** One request of a fake provider's history, as src/dev/fake-providers.ts writes it. */
type FakeRequest =
  | { provider: "openrouter"; at: string; keyHash: string; model: string; generationId: string | null; status: number; promptTokens: number; completionTokens: number; cachedTokens: number; reasoningTokens: number; costMicros: string; errorType: string | null }
  | { provider: "openai"; at: string; apiKeyId: string; model: string; status: number; inputTokens: number; outputTokens: number; cachedTokens: number; reasoningTokens: number; costMicros: string; errorType: string | null };

/** Share of the fakes' requests that the team's apps push (the rest reaches Tollgate through the polls). */
const PUSHED_SHARE = 0.85;
/** Chat models: the OpenAI requests an app pushes (embeddings, images and speech arrive through the polls and the bill). */
const OPENAI_CHAT = /^(gpt-4|o\d)/;

function readFakeHistory(): FakeRequest[] {
  const file = process.env.FAKE_HISTORY_FILE ?? ".data/demo/fake-history.ndjson";
  if (!existsSync(file)) {
    console.warn(`[seed] no fake history at ${file}: no pushed usage is seeded (the polls still fill what the fakes report)`);
    return [];
  }
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as FakeRequest);
}

/**
 * Pushed usage: a share of the requests the fakes served and bill, each pushed the way an
 * instrumented app reports it (OpenRouter with the cost it answered, OpenAI priced by the
 * catalog), so pushed spend is always part of what the provider bills. Before, the seed pushed
 * requests of its own that the fakes never served: every closed day's bill came out far below
 * the pushed spend, with 100–380 % reconciliation drift and negative OpenAI billing adjustments.
 */
async function seedUsage(demo: Demo, keys: DemoKey[]) {
  const ws = demo.workspaceIds[0]!;
  const tags = await prisma.projectTag.findMany({ where: { workspaceId: ws }, select: { id: true, slug: true }, orderBy: { slug: "asc" } });
  const members = demo.userIds.slice(0, 4);
  const homes = await keyHomes(keys, ws, tags, members);
  const homeOf = new Map<string, { keyId: string; tagId: string; memberId: string; language: string }>();
  for (const [provider, list] of homes) for (const h of list) homeOf.set(`${provider}:${keys.find((k) => k.id === h.keyId)!.providerKeyId}`, h);
  let written = 0;
  let events: NormalizedEvent[] = [];
  const flush = async () => {
    if (events.length > 0) written += (await writeUsageEvents(events)).inserted;
    events = [];
  };
  const seen = new Map<string, number>();
  for (const r of readFakeHistory()) {
    if (r.provider === "openai" && !OPENAI_CHAT.test(r.model)) continue;
    const keyRef = r.provider === "openrouter" ? r.keyHash : r.apiKeyId;
    // The request's own id and draws: the same request gets the same event and attribution in
    // every run, however much history the fakes served before it.
    const base = `demo-${r.provider}-${new Date(r.at).getTime()}-${keyRef}-${r.model}`;
    const nth = (seen.get(base) ?? 0) + 1;
    seen.set(base, nth);
    const externalId = `${base}-${nth}`;
    const rand = rng(fnv1a(externalId));
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    if (rand() >= PUSHED_SHARE) continue;
    // Every pushed request names its key: a keyless push cannot offset the key's polled bucket, so
    // it would count on top of what the provider bills (the reconciliation page would show it).
    const home = homeOf.get(`${r.provider}:${keyRef}`) ?? null;
    const stray = rand() < 0.12; // someone borrowing a key for another project
    const at = new Date(r.at);
    const failed = r.status !== 200;
    const [input, output] = r.provider === "openrouter" ? [r.promptTokens, r.completionTokens] : [r.inputTokens, r.outputTokens];
    events.push({
      orgId: demo.orgId,
      workspaceId: ws,
      externalId,
      source: "push",
      provider: r.provider,
      model: r.model,
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
      cachedTokens: r.cachedTokens,
      cacheWriteTokens: 0,
      reasoningTokens: failed ? 0 : r.reasoningTokens,
      requests: 1,
      // OpenRouter answers each request with its cost; OpenAI events are priced by Tollgate's catalog. A failed request costs nothing.
      costMicros: failed ? 0n : r.provider === "openrouter" ? BigInt(r.costMicros) : null,
      latencyMs: Math.floor(400 + rand() * 6000),
      status: r.status,
      errorType: failed ? (r.errorType ?? "provider_error") : null,
      errorMessage: failed ? "Upstream provider failed" : null,
      // No generation id: the fakes number generations in the order they serve them, so a later
      // run's id could name another request (and its cost fill would take that request's cost).
      generationId: null,
      metadata: null,
    });
    if (events.length >= 1000) await flush();
  }
  await flush();
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
