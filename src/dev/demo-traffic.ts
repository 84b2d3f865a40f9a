/**
 * Live demo traffic: pushes realistic usage batches to the demo's ingest API every few
 * seconds (models with cached and reasoning tokens, some errors; about half with a
 * provider-reported cost, the rest priced by Tollgate). Traffic comes in routes, the way a
 * team's does: each service belongs to a project, is called by a few members, and uses one
 * provider key per provider — the keys the demo's fake providers actually have (listed at
 * start with the demo's management/admin keys), so nearly every request is attributed to a
 * tracked key once the first poll has discovered them.
 * Usage: tsx src/dev/demo-traffic.ts <base-url>
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const token = readFileSync(".data/demo-ingest-token", "utf8").trim();

const MEMBERS = ["maya@demo.tollgate.dev", "li@demo.tollgate.dev", "finance@demo.tollgate.dev"];
/** service → its project, the members who call it, and a share of end users (customers). */
const ROUTES = [
  { service: "api", project: "chatbot", members: [MEMBERS[0]!, MEMBERS[1]!], endUsers: 0.6 },
  { service: "worker", project: "summarizer", members: [MEMBERS[1]!], endUsers: 0 },
  { service: "batch", project: "search", members: [MEMBERS[2]!, MEMBERS[0]!], endUsers: 0 },
] as const;
const keys: Record<"openrouter" | "openai", string[]> = { openrouter: [], openai: [] };

/** Key refs as the providers report them (OpenRouter key hash, OpenAI key id). Best effort. */
async function loadKeys() {
  const or = process.env.DEMO_OPENROUTER_URL;
  const oa = process.env.DEMO_OPENAI_URL;
  try {
    if (or) {
      const r = await fetch(`${or}/keys`, { headers: { authorization: `Bearer ${process.env.DEMO_OPENROUTER_KEY ?? "sk-or-v1-demo-management-key"}` } });
      const body = (await r.json()) as { data?: { hash: string }[] };
      keys.openrouter = (body.data ?? []).map((k) => k.hash).slice(0, 6);
    }
    if (oa) {
      const auth = { authorization: `Bearer ${process.env.DEMO_OPENAI_KEY ?? "sk-admin-demo-admin-key"}` };
      const projects = ((await (await fetch(`${oa}/organization/projects`, { headers: auth })).json()) as { data?: { id: string }[] }).data ?? [];
      for (const p of projects.slice(0, 3)) {
        const list = ((await (await fetch(`${oa}/organization/projects/${p.id}/api_keys`, { headers: auth })).json()) as { data?: { id: string }[] }).data ?? [];
        keys.openai.push(...list.map((k) => k.id).slice(0, 2));
      }
    }
  } catch (e) {
    console.error(`[traffic] could not list the fake providers' keys: ${(e as Error).message}`);
  }
}
const MODELS = [
  { provider: "openrouter", model: "anthropic/claude-sonnet-4", inUsdPerM: 3, outUsdPerM: 15 },
  { provider: "openrouter", model: "google/gemini-2.5-flash", inUsdPerM: 0.3, outUsdPerM: 2.5 },
  { provider: "openrouter", model: "deepseek/deepseek-r1", inUsdPerM: 0.55, outUsdPerM: 2.19 },
  { provider: "openai", model: "gpt-4o", inUsdPerM: 2.5, outUsdPerM: 10 },
  { provider: "openai", model: "gpt-4o-mini", inUsdPerM: 0.15, outUsdPerM: 0.6 },
  { provider: "openai", model: "o4-mini", inUsdPerM: 1.1, outUsdPerM: 4.4 },
] as const;

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function event() {
  const m = pick(MODELS);
  const routeIndex = Math.floor(rand() * ROUTES.length);
  const route = ROUTES[routeIndex]!;
  const pool = keys[m.provider];
  const apiKey = pool.length ? pool[routeIndex % pool.length] : undefined;
  const user = rand() < route.endUsers ? `customer-${Math.floor(rand() * 500)}` : pick(route.members);
  const input = Math.floor(200 + rand() * 4000);
  const cached = rand() < 0.4 ? Math.floor(input * rand() * 0.8) : 0;
  const output = Math.floor(50 + rand() * 1200);
  const reasoning = m.model.includes("r1") || m.model.startsWith("o4") ? Math.floor(output * 0.6) : 0;
  const failed = rand() < 0.03;
  const cost = (input * m.inUsdPerM + output * m.outUsdPerM) / 1e6;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    provider: m.provider,
    model: m.model,
    project: route.project,
    user,
    service: route.service,
    ...(apiKey ? { api_key: apiKey } : {}),
    input_tokens: input,
    output_tokens: failed ? 0 : output,
    cached_tokens: cached,
    reasoning_tokens: failed ? 0 : reasoning,
    ...(rand() < 0.5 && !failed ? { cost_usd: cost.toFixed(6) } : {}),
    latency_ms: Math.floor(300 + rand() * 4000),
    status: failed ? pick([429, 500, 400]) : 200,
    ...(failed ? { error: { type: "provider_error", message: "upstream failed" } } : {}),
  };
}

async function tick() {
  const events = Array.from({ length: 5 + Math.floor(rand() * 20) }, event);
  try {
    const res = await fetch(`${base}/api/v1/usage`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    if (!res.ok) console.error(`[traffic] ${res.status} ${await res.text()}`);
  } catch (e) {
    console.error(`[traffic] ${(e as Error).message}`);
  }
}

await loadKeys();
console.log(`[traffic] pushing demo usage to ${base}/api/v1/usage (${keys.openrouter.length} OpenRouter and ${keys.openai.length} OpenAI keys)`);
setInterval(() => void tick(), 4000);
void tick();
