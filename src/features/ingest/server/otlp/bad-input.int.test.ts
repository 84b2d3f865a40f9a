import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { POST } from "@/app/api/otlp/v1/traces/route";
import { POST as PUSH } from "@/app/api/v1/usage/route";
import { prisma } from "@/server/db";
import { createOrg } from "../../../../../test/helpers/factory";
import { createIngestToken } from "../tokens";

const hex = (n: number) => randomBytes(n).toString("hex");

async function setup() {
  const o = await createOrg();
  const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "bad-input" });
  return { ...o, token };
}

const sendRaw = (token: string, body: string | Uint8Array, contentType = "application/json") =>
  POST(new Request("http://localhost/api/otlp/v1/traces", { method: "POST", headers: { "content-type": contentType, authorization: `Bearer ${token}` }, body: typeof body === "string" ? body : new Uint8Array(body) }));
const send = (token: string, body: unknown) => sendRaw(token, JSON.stringify(body));

const genaiSpan = (extra: Record<string, unknown> = {}, attrs: unknown[] = []) => ({
  traceId: hex(16),
  spanId: hex(8),
  startTimeUnixNano: String(BigInt(Date.now() - 5_000) * 1_000_000n),
  attributes: [
    { key: "gen_ai.system", value: { stringValue: "openai" } },
    { key: "gen_ai.request.model", value: { stringValue: "gpt-4o" } },
    { key: "gen_ai.usage.input_tokens", value: { intValue: "10" } },
    ...attrs,
  ],
  ...extra,
});
const wrap = (spans: unknown[]) => ({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

describe("OTLP bad input", () => {
  it("answers 400 naming what is wrong for malformed shapes, JSON and protobuf, and writes nothing", async () => {
    const { token, workspace } = await setup();
    const cases: [unknown, RegExp][] = [
      [{ resourceSpans: [null] }, /resourceSpans\.0/],
      [{ resourceSpans: [{ scopeSpans: [{ spans: [genaiSpan({ attributes: { "gen_ai.system": "openai" } })] }] }] }, /spans\.0\.attributes/],
      [wrap([genaiSpan({ status: { code: 2, message: 42 } })]), /spans\.0\.status\.message/],
      [{ resourceSpans: "nope" }, /resourceSpans/],
      [[1, 2, 3], /JSON object/],
      [wrap([genaiSpan({}, [null])]), /attributes\.3/],
    ];
    for (const [body, where] of cases) {
      const res = await send(token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(where);
    }
    // Protobuf that isn't an ExportTraceServiceRequest.
    const junk = await sendRaw(token, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), "application/x-protobuf");
    expect(junk.status).toBe(400);
    expect(await prisma.usageEvent.count({ where: { workspaceId: workspace.id } })).toBe(0);
  });

  it("bounds span timestamps like push: absurd nanoseconds and more than a day ahead are rejected, not a 500", async () => {
    const { token, workspace } = await setup();
    const future = String(BigInt(Date.now() + 3 * 86_400_000) * 1_000_000n);
    const res = await send(token, wrap([genaiSpan({ startTimeUnixNano: "999999999999999999999999999" }), genaiSpan({ startTimeUnixNano: future }), genaiSpan()]));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess).toMatchObject({ rejectedSpans: "2", errorMessage: expect.stringMatching(/more than 24 hours in the future/) });
    expect(await prisma.usageEvent.count({ where: { workspaceId: workspace.id } })).toBe(1);
  });

  it("applies the same per-event cost bound as push ($1,000): above it the span is rejected, the rest of the export is kept", async () => {
    const { token, workspace } = await setup();
    const cost = (v: number) => ({ key: "gen_ai.usage.cost", value: { doubleValue: v } });
    const res = await send(token, wrap([genaiSpan({}, [cost(1e13)]), genaiSpan({}, [cost(1000)])]));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { partialSuccess: { errorMessage: string } }).partialSuccess.errorMessage).toMatch(/per-event bound of \$1,000/);
    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id } });
    expect(rows.map((r) => r.costMicros)).toEqual([1_000_000_000n]);

    // Push: the old 10-digit limit let 1,000 such events overflow a rollup; now the batch is a 400 naming the field.
    const events = Array.from({ length: 3 }, (_, i) => ({ id: `e${i}`, timestamp: new Date().toISOString(), provider: "openai", model: "gpt-4o", cost_usd: "9999999999" }));
    const pushed = await PUSH(new Request("http://localhost/api/v1/usage", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ events }) }));
    expect(pushed.status).toBe(400);
    expect(((await pushed.json()) as { error: { message: string } }).error.message).toMatch(/events\.0\.cost_usd: cost_usd: cost is above the per-event bound/);
  });

  it("never answers 500 for random OTLP JSON shapes (property)", async () => {
    const { token } = await setup();
    const numRuns = Number(process.env.OTLP_FUZZ_RUNS ?? 60);
    // Random JSON, and random JSON grafted into the places the mapper reads.
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const grafted = fc.record({
      where: fc.constantFrom("root", "resourceSpan", "scopeSpan", "span", "attributes", "attribute", "value", "status", "start", "kvlist"),
      value: anyJson,
    }).map(({ where, value }) => {
      const span: Record<string, unknown> = genaiSpan();
      if (where === "root") return value;
      if (where === "resourceSpan") return { resourceSpans: [value] };
      if (where === "scopeSpan") return { resourceSpans: [{ scopeSpans: [value] }] };
      if (where === "span") return wrap([value]);
      if (where === "attributes") span.attributes = value;
      if (where === "attribute") (span.attributes as unknown[]).push(value);
      if (where === "value") (span.attributes as unknown[]).push({ key: "gen_ai.usage.cost", value });
      if (where === "status") span.status = value;
      if (where === "start") span.startTimeUnixNano = value;
      if (where === "kvlist") (span.attributes as unknown[]).push({ key: "trace", value: { kvlistValue: { values: [value] } } });
      return wrap([span]);
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, grafted), async (body) => {
        const res = await send(token, body);
        expect([200, 400, 429]).toContain(res.status);
      }),
      { numRuns },
    );
  });
});
