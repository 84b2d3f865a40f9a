import { describe, expect, it } from "vitest";
import { DAY_MS } from "./fake-http";
import { FakeOpenAIState } from "./openai/fake-state";
import { generateOpenAITraffic, type GeneratedOpenAIRequest } from "./openai/fake-traffic";
import { FakeOpenRouterState } from "./openrouter/fake-state";
import { generateOpenRouterTraffic, type GeneratedRequest } from "./openrouter/fake-traffic";

const T0 = Date.UTC(2026, 10, 20, 15, 30);
// Generation ids are numbered in the order the fake serves requests, so they are not compared (the demo seed does not push them).
const json = (r: object) => JSON.stringify({ ...r, generationId: undefined }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
const before = (rs: { at: Date }[], end: number) => rs.filter((r) => r.at.getTime() < end).map(json);
const from = (rs: { at: Date }[], start: number, end: number) => rs.filter((r) => r.at.getTime() >= start && r.at.getTime() < end).map(json);

function openai(endAt: number, byDay: boolean) {
  const out: GeneratedOpenAIRequest[] = [];
  generateOpenAITraffic(new FakeOpenAIState({ now: () => endAt }), { days: 10, requestsPerDay: 40, endAt, byDay, onRequest: (r) => out.push(r) });
  return out;
}
function openrouter(endAt: number, byDay: boolean) {
  const out: GeneratedRequest[] = [];
  generateOpenRouterTraffic(new FakeOpenRouterState({ now: () => endAt }), { days: 10, requestsPerDay: 40, keys: 4, endAt, byDay, onRequest: (r) => out.push(r) });
  return out;
}

describe("fake histories by UTC day (the demo run again another day)", () => {
  it("serve the same requests for the days two windows share, whatever the window", () => {
    const laterDay = T0 + 3 * DAY_MS + 2 * 3_600_000;
    const shared = [Math.floor(laterDay / DAY_MS) * DAY_MS - 6 * DAY_MS, T0] as const;
    for (const gen of [openai, openrouter]) {
      const a = gen(T0, true);
      const b = gen(laterDay, true);
      expect(from(a, ...shared).length).toBeGreaterThan(100);
      expect(from(b, ...shared)).toEqual(from(a, ...shared));
      // Later the same day: the earlier history is a prefix.
      expect(before(gen(T0 + 3 * 3_600_000, true), T0)).toEqual(before(a, T0));
      // Without byDay a shifted window serves other requests (what the demo did before).
      expect(from(gen(laterDay, false), ...shared)).not.toEqual(from(gen(T0, false), ...shared));
    }
  });
});
