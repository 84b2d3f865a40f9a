import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { reconcileBucket, zeroMetrics, type Metrics, type PolledCell, type PushedCell } from "./reconcile-math";

const m = (requests: number, costMicros: number, inputTokens = 0): Metrics => ({ ...zeroMetrics(), requests: BigInt(requests), costMicros: BigInt(costMicros), inputTokens: BigInt(inputTokens) });
const polled = (keyRef: string, model: string, metrics: Metrics): PolledCell => ({ keyRef, model, metrics });
const pushed = (keyRef: string, model: string, metrics: Metrics): PushedCell => ({ keyRef, model, metrics });
const sum = (cells: { metrics: Record<string, bigint | null> }[], k: string) => cells.reduce((s, c) => s + (c.metrics[k] ?? 0n), 0n);

describe("reconcileBucket", () => {
  it("nothing pushed → the poll fills everything", () => {
    const d = reconcileBucket([polled("k1", "a", m(3, 300)), polled("k2", "b", m(1, 50))], []);
    expect(d.map((x) => [x.keyRef, x.metrics.requests, x.metrics.costMicros])).toEqual([["k1", 3n, 300n], ["k2", 1n, 50n]]);
  });

  it("pushed covers part of a cell → only the difference; all of it → nothing", () => {
    expect(reconcileBucket([polled("k1", "a", m(5, 500))], [pushed("k1", "a", m(2, 200))])[0]!.metrics).toMatchObject({ requests: 3n, costMicros: 300n });
    expect(reconcileBucket([polled("k1", "a", m(5, 500))], [pushed("k1", "a", m(6, 700))])[0]!.metrics).toMatchObject({ requests: 0n, costMicros: 0n });
  });

  it("pushed under another spelling of the model still offsets the key's total", () => {
    const d = reconcileBucket([polled("k1", "gpt-4o-2024-08-06", m(5, 500))], [pushed("k1", "gpt-4o", m(4, 400))]);
    expect(d[0]!.metrics).toMatchObject({ requests: 1n, costMicros: 100n });
  });

  it("events pushed without a key offset the bucket; events of keys this connection doesn't report don't", () => {
    const p = [polled("k1", "a", m(5, 500))];
    expect(reconcileBucket(p, [pushed("", "a", m(5, 500))])[0]!.metrics.costMicros).toBe(0n);
    expect(reconcileBucket(p, [pushed("other-account-key", "a", m(5, 500))])[0]!.metrics.costMicros).toBe(500n);
  });

  it("unknown polled cost stays unknown (OpenAI usage has tokens only)", () => {
    const d = reconcileBucket([{ keyRef: "k", model: "a", metrics: { ...m(4, 0, 1000), costMicros: null } }], [pushed("k", "a", m(1, 90, 250))]);
    expect(d[0]!.metrics).toMatchObject({ requests: 3n, inputTokens: 750n, costMicros: null });
  });

  it("property: deltas are ≥ 0, ≤ polled, and pushed + poll never exceeds max(pushed, polled) per key and per bucket", () => {
    const keys = fc.constantFrom("", "k1", "k2", "x");
    const models = fc.constantFrom("a", "b", "c");
    const metrics = fc.record({ requests: fc.nat(50), costMicros: fc.nat(10_000) }).map((r) => m(r.requests, r.costMicros));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ keyRef: fc.constantFrom("", "k1", "k2"), model: models, metrics }), { selector: (c) => `${c.keyRef}|${c.model}`, maxLength: 6 }),
        fc.uniqueArray(fc.record({ keyRef: keys, model: models, metrics }), { selector: (c) => `${c.keyRef}|${c.model}`, maxLength: 6 }),
        (P, Q) => {
          const d = reconcileBucket(P, Q);
          const polledKeys = new Set<string>(P.map((p) => p.keyRef).filter(Boolean));
          const relevant = Q.filter((q) => q.keyRef === "" || polledKeys.has(q.keyRef));
          for (const k of ["requests", "costMicros"] as const) {
            for (const x of d) {
              expect(x.metrics[k]! >= 0n).toBe(true);
              const src = P.find((p) => p.keyRef === x.keyRef && p.model === x.model)!;
              expect(x.metrics[k]! <= src.metrics[k]).toBe(true);
            }
            const poll = sum(d, k);
            const p = sum(P, k);
            const q = sum(relevant, k);
            // The bucket never counts more than the larger of the two views.
            expect(q + poll <= (p > q ? p : q)).toBe(true);
            // And when nothing was pushed, everything polled is filled.
            if (relevant.length === 0) expect(poll).toBe(p);
            for (const key of polledKeys) {
              const pk = sum(P.filter((c) => c.keyRef === key), k);
              const qk = sum(Q.filter((c) => c.keyRef === key), k);
              const dk = sum(d.filter((c) => c.keyRef === key), k);
              expect(qk + dk <= (pk > qk ? pk : qk)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("pushed events of another kind never offset a kind's polled cells (chat pushes vs polled embeddings)", () => {
    const d = reconcileBucket(
      [
        { kind: "openai.completions", keyRef: "k", model: "gpt-4o-2024-08-06", metrics: m(100, 0) },
        { kind: "openai.embeddings", keyRef: "k", model: "text-embedding-3-small", metrics: m(50, 0) },
      ],
      [{ kind: "openai.completions", keyRef: "k", model: "gpt-4o", metrics: m(100, 0) }],
    );
    expect(d.map((x) => [x.kind, x.metrics.requests])).toEqual([
      ["openai.completions", 0n],
      ["openai.embeddings", 50n],
    ]);
  });

  it("property: within each kind, pushed + fill = max(pushed, polled) exactly, per metric", () => {
    const cell = fc.record({
      kind: fc.constantFrom("a", "b"),
      keyRef: fc.constantFrom("", "k1", "k2"),
      model: fc.constantFrom("m", "m-2024-01-01", "n"),
      r: fc.nat(40),
      c: fc.nat(9_000),
    });
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 8 }), fc.array(cell, { maxLength: 8 }), (p, q) => {
        const P = p.map((x) => ({ kind: x.kind, keyRef: x.keyRef, model: x.model, metrics: m(x.r, x.c) }));
        const Q = q.map((x) => ({ kind: x.kind, keyRef: x.keyRef, model: x.model, metrics: m(x.r, x.c) }));
        const d = reconcileBucket(P, Q);
        for (const kind of ["a", "b"]) {
          const Pk = P.filter((x) => x.kind === kind);
          if (Pk.length === 0) continue;
          const keys = new Set(Pk.map((x) => x.keyRef).filter(Boolean));
          const Qk = Q.filter((x) => x.kind === kind && (x.keyRef === "" || keys.has(x.keyRef)));
          for (const k of ["requests", "costMicros"] as const) {
            const polledT = sum(Pk, k);
            const pushedT = sum(Qk, k);
            expect(pushedT + sum(d.filter((x) => x.kind === kind), k)).toBe(pushedT > polledT ? pushedT : polledT);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
