import { describe, expect, it } from "vitest";
import { FakeControls } from "./fake-http";

describe("FakeControls fault switch", () => {
  it("fails about the asked share of matching requests, replayably, and stops when turned off", () => {
    const run = (seed: number) => {
      const c = new FakeControls();
      c.setFlaky({ rate: 0.3, statuses: [429, 503], seed, pathPrefix: "/activity" });
      const out = Array.from({ length: 2_000 }, () => c.takeFailure("/activity")?.status ?? 200);
      expect(c.takeFailure("/keys")).toBeNull(); // other paths are untouched
      return { out, c };
    };
    const { out, c } = run(7);
    const failed = out.filter((s) => s !== 200);
    expect(failed.length / out.length).toBeGreaterThan(0.25);
    expect(failed.length / out.length).toBeLessThan(0.35);
    expect(new Set(failed)).toEqual(new Set([429, 503]));
    expect(c.flakyCount).toBe(failed.length);
    expect(run(7).out).toEqual(out);
    c.setFlaky(null);
    expect(Array.from({ length: 100 }, () => c.takeFailure("/activity"))).toEqual(Array(100).fill(null));
  });

  it("serves queued failNext failures before the switch", () => {
    const c = new FakeControls();
    c.setFlaky({ rate: 0, seed: 1 });
    c.failNext(1, 502);
    expect(c.takeFailure("/x")?.status).toBe(502);
    expect(c.takeFailure("/x")).toBeNull();
  });
});
