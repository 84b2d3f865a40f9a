import fc from "fast-check";

// Inputs for the hostile-input fuzz suite: for each surface, valid messages, valid messages with
// one field broken (the likeliest real mistakes and attacks), and arbitrary JSON or bytes.

const iso = fc.integer({ min: -6 * 86_400_000, max: 0 }).map((ms) => new Date(Date.now() + ms).toISOString());

export const pushEvent = fc.record(
  {
    id: fc.uuid(),
    timestamp: iso,
    provider: fc.constantFrom("openrouter", "openai"),
    model: fc.constantFrom("gpt-4o", "gpt-4o-mini", "anthropic/claude-sonnet-4"),
    project: fc.constantFrom("chat", "search-api", undefined),
    user: fc.constantFrom("maya@example.test", "end-user-1", undefined),
    input_tokens: fc.nat({ max: 1_000_000 }),
    output_tokens: fc.nat({ max: 1_000_000 }),
    cached_tokens: fc.nat({ max: 1_000 }),
    cost_usd: fc.option(fc.nat({ max: 10_000_000 }).map((m) => (m / 1e6).toFixed(6)), { nil: undefined }),
    status: fc.constantFrom(200, 429, 500),
    metadata: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 3 }), { nil: undefined }),
  },
  { requiredKeys: ["id", "timestamp", "provider", "model"] },
);

/** Replaces, deletes or adds one field somewhere in a JSON value: "mutated valid". */
/**
 * Text PostgreSQL can't hold (a NUL byte; half of a UTF-16 surrogate pair, which jsonb refuses) and
 * text that looks like a cut-off emoji: what a careless client or a truncating proxy sends.
 */
const POISON_TEXT = ["\u0000", "a\u0000b", "\ud800", "x\udc00y", "💥".slice(0, 1), "%00", "\u0000".repeat(3)];

export function mutate<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), fc.constantFrom("replace", "delete", "add", "poison"), fc.anything({ maxDepth: 2, withNullPrototype: false }), fc.constantFrom(...POISON_TEXT)).map(
    ([v, pick, how, junk, poison]) => {
      const copy = JSON.parse(JSON.stringify(v)) as unknown;
      const holders: Record<string, unknown>[] = [];
      const walk = (x: unknown) => {
        if (x && typeof x === "object") {
          holders.push(x as Record<string, unknown>);
          for (const c of Object.values(x)) walk(c);
        }
      };
      walk(copy);
      if (!holders.length) return junk;
      const h = holders[pick % holders.length]!;
      const keys = Object.keys(h);
      const key = keys.length ? keys[pick % keys.length]! : "x";
      if (how === "delete") delete h[key];
      else if (how === "add") h[`extra_${pick % 7}`] = junk;
      else if (how === "poison") h[key] = typeof h[key] === "string" ? `${h[key] as string}${poison}` : poison;
      else h[key] = junk;
      return copy;
    },
  );
}

export const pushBatch = fc.array(pushEvent, { minLength: 1, maxLength: 5 }).map((events) => ({ events }));

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString("hex"));
const attr = (key: string, value: Record<string, unknown>) => ({ key, value });

export const otlpRequest = fc
  .record({
    traceId: hex(16),
    spanId: hex(8),
    system: fc.constantFrom("openai", "openrouter"),
    model: fc.constantFrom("gpt-4o", "gpt-4o-mini"),
    input: fc.nat({ max: 100_000 }),
    output: fc.nat({ max: 100_000 }),
    agoMs: fc.integer({ min: 1_000, max: 3 * 86_400_000 }),
  })
  .map((s) => {
    const start = BigInt(Date.now() - s.agoMs) * 1_000_000n;
    return {
      resourceSpans: [
        {
          resource: { attributes: [attr("service.name", { stringValue: "fuzz" })] },
          scopeSpans: [
            {
              scope: { name: "fuzz" },
              spans: [
                {
                  traceId: s.traceId,
                  spanId: s.spanId,
                  name: "chat",
                  kind: 3,
                  startTimeUnixNano: String(start),
                  endTimeUnixNano: String(start + 1_000_000_000n),
                  attributes: [
                    attr("gen_ai.system", { stringValue: s.system }),
                    attr("gen_ai.request.model", { stringValue: s.model }),
                    attr("gen_ai.usage.input_tokens", { intValue: String(s.input) }),
                    attr("gen_ai.usage.output_tokens", { intValue: String(s.output) }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
  });

export const budgetInput = fc.record({
  name: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
  scope: fc.constant("org"),
  period: fc.constantFrom("daily", "weekly", "monthly", "lifetime"),
  amountUsd: fc.integer({ min: 1, max: 1_000_000 }).map(String),
  thresholds: fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 4 }),
  mode: fc.constantFrom("soft", "hard"),
});

export const arbitraryJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
export const arbitraryBytes = fc.uint8Array({ maxLength: 512 });
