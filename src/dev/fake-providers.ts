/**
 * The fake OpenRouter and OpenAI for the demo: 30 days of history, then slow live traffic
 * through their HTTP inference endpoints (so key disables and spend limits bite), about a third
 * of it streamed. The OpenRouter account is an organization with three workspaces.
 *   tsx src/dev/fake-providers.ts [--openrouter-port 4010] [--openai-port 4020]
 * Env: FAKE_OPENROUTER_PORT, FAKE_OPENAI_PORT, DEMO_OPENROUTER_KEY (management key),
 * DEMO_OPENAI_KEY (admin key), FAKE_TRAFFIC_INTERVAL_MS (live traffic pace, default 4000).
 * The seed's demo connections use the same default keys.
 *
 * The history's requests are also written to `.data/demo/fake-history.ndjson` (one request a
 * line): the seed pushes a share of them as the team's instrumented apps would have, so pushed
 * spend is a part of what each fake bills, never spend the provider did not see. Each UTC day's
 * requests depend on the day alone (`byDay`), so the demo run again later serves the same requests
 * for the days both runs cover, and the seed's pushes stay a part of them.
 */
import { makeDemoOrganization, startFakeOpenRouter, startOpenRouterLiveTraffic, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startFakeOpenAI, startOpenAILiveTraffic, type FakeOpenAI } from "@/providers/openai/fake";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export { startFakeOpenRouter } from "@/providers/openrouter/fake";
export { startFakeOpenAI } from "@/providers/openai/fake";

export const DEMO_OPENROUTER_MANAGEMENT_KEY = "sk-or-v1-demo-management-key";
export const DEMO_OPENAI_ADMIN_KEY = "sk-admin-demo-admin-key";
/** Members of the demo's OpenRouter organization (the demo org's people, plus one who isn't in Tollgate). */
const DEMO_OPENROUTER_MEMBERS = ["admin@demo.tollgate.dev", "maya@demo.tollgate.dev", "li@demo.tollgate.dev", "contractor@elsewhere.example"];

export type FakeProviders = { openrouter: FakeOpenRouter; openai: FakeOpenAI; stop(): Promise<void> };

/** Starts both fakes with history and live traffic; `stop()` ends traffic and closes both servers. */
export async function startFakeProviders(opts: {
  openrouterPort?: number;
  openaiPort?: number;
  openrouterKey?: string;
  openaiKey?: string;
  days?: number;
  requestsPerDay?: number;
  liveIntervalMs?: number | null;
  host?: string;
  /** Where to write the history's requests (NDJSON), for the demo seed. */
  historyFile?: string;
}): Promise<FakeProviders> {
  const openrouter = await startFakeOpenRouter({ port: opts.openrouterPort, host: opts.host, managementKey: opts.openrouterKey ?? DEMO_OPENROUTER_MANAGEMENT_KEY });
  const openai = await startFakeOpenAI({ port: opts.openaiPort, host: opts.host, adminKey: opts.openaiKey ?? DEMO_OPENAI_ADMIN_KEY });
  makeDemoOrganization(openrouter.state, DEMO_OPENROUTER_MEMBERS);
  const lines: string[] = [];
  const keep = (r: object) => lines.push(JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  openrouter.generateTraffic({ days: opts.days ?? 30, requestsPerDay: opts.requestsPerDay ?? 300, keys: 6, byDay: true, onRequest: keep });
  openai.generateTraffic({ days: opts.days ?? 30, requestsPerDay: opts.requestsPerDay ?? 300, byDay: true, onRequest: keep });
  if (opts.historyFile) {
    mkdirSync(dirname(opts.historyFile), { recursive: true });
    writeFileSync(`${opts.historyFile}.tmp`, lines.join("\n") + "\n");
    renameSync(`${opts.historyFile}.tmp`, opts.historyFile); // whole or absent: the seed waits for it
  }
  const live =
    opts.liveIntervalMs === null
      ? []
      : [startOpenRouterLiveTraffic(openrouter, { intervalMs: opts.liveIntervalMs ?? 4000 }), startOpenAILiveTraffic(openai, { intervalMs: opts.liveIntervalMs ?? 4000 })];
  return {
    openrouter,
    openai,
    async stop() {
      for (const l of live) l.stop();
      await Promise.all([openrouter.close(), openai.close()]);
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && /fake-providers\.ts$/.test(process.argv[1])) {
  const fakes = await startFakeProviders({
    openrouterPort: Number(arg("openrouter-port") ?? process.env.FAKE_OPENROUTER_PORT ?? 4010),
    openaiPort: Number(arg("openai-port") ?? process.env.FAKE_OPENAI_PORT ?? 4020),
    openrouterKey: process.env.DEMO_OPENROUTER_KEY || undefined,
    openaiKey: process.env.DEMO_OPENAI_KEY || undefined,
    liveIntervalMs: Number(process.env.FAKE_TRAFFIC_INTERVAL_MS ?? 4000),
    historyFile: process.env.FAKE_HISTORY_FILE ?? ".data/demo/fake-history.ndjson",
  });
  const orKeys = [...fakes.openrouter.state.keys.values()];
  const oaiKeys = [...fakes.openai.state.apiKeys.values()];
  console.log(`[fakes] OpenRouter  ${fakes.openrouter.url}`);
  console.log(`[fakes]   management key: ${fakes.openrouter.state.managementKey}`);
  console.log(`[fakes]   inference keys: ${orKeys.map((k) => `${k.name}=${k.secret}`).join(", ")}`);
  console.log(`[fakes] OpenAI      ${fakes.openai.url}`);
  console.log(`[fakes]   admin key: ${fakes.openai.state.adminKey}`);
  console.log(`[fakes]   project keys: ${oaiKeys.map((k) => `${k.name}=${k.secret}`).join(", ")}`);
  const shutdown = () => void fakes.stop().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
