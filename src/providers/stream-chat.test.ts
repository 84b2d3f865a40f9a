import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenRouter, startOpenRouterLiveTraffic, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startFakeOpenAI, startOpenAILiveTraffic, type FakeOpenAI } from "@/providers/openai/fake";
import { streamChatCompletion } from "./stream-chat";

let or: FakeOpenRouter;
let oa: FakeOpenAI;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 8 });
  oa = await startFakeOpenAI({ seed: 9 });
  or.generateTraffic({ days: 2, requestsPerDay: 50, keys: 3 });
  oa.generateTraffic({ days: 2, requestsPerDay: 20 });
});
afterAll(async () => {
  await or.close();
  await oa.close();
});

async function collect<T>(start: (onResult: (r: T) => void) => { stop(): void }, n: number): Promise<T[]> {
  const out: T[] = [];
  await new Promise<void>((resolve) => {
    const t = start((r) => {
      out.push(r);
      if (out.length === n) {
        t.stop();
        resolve();
      }
    });
  });
  return out;
}

describe("demo traffic streams part of its requests", () => {
  it("OpenRouter live traffic: streamed requests are charged and carry their cost from the final chunk", async () => {
    const results = await collect<{ status: number; streamed: boolean; generationId?: string; costUsd?: number | null }>((onResult) => startOpenRouterLiveTraffic(or, { intervalMs: 5, seed: 3, streamShare: 0.5, onResult }), 16);
    const streamed = results.filter((r) => r.streamed && r.status === 200);
    expect(streamed.length).toBeGreaterThan(2);
    expect(results.some((r) => !r.streamed && r.status === 200)).toBe(true);
    for (const r of streamed) {
      const gen = or.state.generations.get(r.generationId!)!;
      expect(gen.streamed).toBe(true);
      expect(r.costUsd).toBe(Number(gen.costMicros) / 1e6);
    }
    // The history is partly streamed too.
    const history = [...or.state.generations.values()];
    expect(history.filter((g) => g.streamed).length / history.length).toBeGreaterThan(0.2);
  });

  it("OpenAI live traffic: streamed requests report usage from the include_usage chunk", async () => {
    const results = await collect<{ status: number; streamed: boolean; usage?: unknown }>((onResult) => startOpenAILiveTraffic(oa, { intervalMs: 5, seed: 4, streamShare: 0.5, onResult }), 12);
    const streamed = results.filter((r) => r.streamed && r.status === 200);
    expect(streamed.length).toBeGreaterThan(1);
    for (const r of streamed) expect((r.usage as { total_tokens: number }).total_tokens).toBeGreaterThan(0);
  });

  it("a refused stream surfaces the provider's status", async () => {
    await expect(streamChatCompletion(or.url, "sk-or-v1-nope", { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 401 });
  });
});
