/**
 * The bench:ingest workload (see bench/ingest.ts for its shape), shared with the in-process
 * micro-benchmark (bench/ingest-micro.ts).
 */
import type { Tenant } from "./ingest-app";

export const MODELS: [string, string][] = [
  ["openai", "gpt-4o-mini"],
  ["openai", "gpt-4.1"],
  ["openrouter", "anthropic/claude-sonnet-4"],
  ["openrouter", "openai/gpt-4o-mini"],
];

/** Everything but id and timestamp, pre-serialised per client (the client must stay cheap). */
export function eventTails(t: Tenant, client: number, batch: number): string[] {
  const project = t.projects[client % t.projects.length]!;
  return Array.from({ length: batch }, (_, i) => {
    const [provider, model] = MODELS[(i * 7 + client) % MODELS.length]!;
    const user = i % 5 === 0 ? t.memberEmails[i % t.memberEmails.length]! : `customer-${(i * 13) % 200}`;
    const key = provider === "openrouter" ? (i % 4 === 0 ? "sk-or-untracked" : t.keyRefs[i % t.keyRefs.length]!) : null;
    const status = i % 67 === 0 ? 500 : i % 41 === 0 ? 429 : 200;
    const fields: Record<string, unknown> = {
      provider,
      model,
      project,
      user,
      ...(key ? { api_key: key } : {}),
      service: `svc-${client}`,
      input_tokens: 800 + ((i * 37) % 1500),
      output_tokens: 50 + ((i * 11) % 400),
      cached_tokens: i % 3 === 0 ? 512 : 0,
      reasoning_tokens: model === "gpt-4.1" ? 0 : (i * 5) % 40,
      latency_ms: 200 + ((i * 17) % 1800),
      status,
      ...(i % 2 === 0 ? { cost_usd: `0.000${(100 + ((i * 29) % 900)).toString()}` } : {}),
      ...(status !== 200 ? { error: { type: status === 429 ? "rate_limit" : "upstream", message: "bench" } } : {}),
    };
    return JSON.stringify(fields).slice(1, -1);
  });
}

