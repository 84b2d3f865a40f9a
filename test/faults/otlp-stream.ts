/**
 * OTLP in the fault streams: spans with GenAI usage and an explicit cost, sent to the running
 * app's `/api/otlp/v1/traces` as JSON or protobuf until acknowledged (200 with no rejected
 * spans), and noted in the same ledger as pushed events under their externalId
 * "<traceId>:<spanId>".
 */
import { randomBytes } from "node:crypto";
import { encodeTraceRequest } from "@/features/ingest/server/otlp/proto";
import { BASE, Ledger, sleep } from "./harness";

export type OtlpEvent = { traceId: string; spanId: string; at: number; model: string; costMicros: bigint };

export function otlpEvent(costMicros: bigint, model = "gpt-4o-mini"): OtlpEvent {
  return { traceId: randomBytes(16).toString("hex"), spanId: randomBytes(8).toString("hex"), at: Date.now(), model, costMicros };
}

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

export function traceRequest(events: OtlpEvent[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv("service.name", { stringValue: "faults-stream" })] },
        scopeSpans: [
          {
            scope: { name: "faults" },
            spans: events.map((e) => ({
              traceId: e.traceId,
              spanId: e.spanId,
              name: "chat",
              kind: 3,
              startTimeUnixNano: String(BigInt(e.at) * 1_000_000n),
              endTimeUnixNano: String(BigInt(e.at + 500) * 1_000_000n),
              attributes: [
                kv("gen_ai.system", { stringValue: "openai" }),
                kv("gen_ai.request.model", { stringValue: e.model }),
                kv("gen_ai.usage.input_tokens", { intValue: "100" }),
                kv("gen_ai.usage.output_tokens", { intValue: "10" }),
                kv("gen_ai.usage.cost", { doubleValue: Number(e.costMicros) / 1e6 }),
              ],
            })),
          },
        ],
      },
    ],
  };
}

/**
 * Sends one OTLP export until it is acknowledged, like an exporter with retries (same span ids
 * every time). A 200 that reports rejected spans is a refusal of valid input: it throws.
 */
export async function otlpUntilAcked(token: string, events: OtlpEvent[], ledger: Ledger, format: "json" | "protobuf", opts: { maxTries?: number } = {}) {
  const req = traceRequest(events);
  const body = format === "json" ? JSON.stringify(req) : encodeTraceRequest(req);
  const contentType = format === "json" ? "application/json" : "application/x-protobuf";
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let text = "";
    try {
      const res = await fetch(new URL("/api/otlp/v1/traces", BASE), {
        method: "POST",
        headers: { "content-type": contentType, authorization: `Bearer ${token}` },
        body: typeof body === "string" ? body : new Uint8Array(body),
      });
      status = res.status;
      text = format === "json" ? await res.text() : Buffer.from(await res.arrayBuffer()).toString("latin1");
    } catch {
      status = 0;
    }
    ledger.note(status);
    if (status === 200) {
      if (format === "json" && /"rejectedSpans"\s*:\s*"?[1-9]/.test(text)) throw new Error(`OTLP rejected valid spans: ${text.slice(0, 300)}`);
      for (const e of events) ledger.acked.set(`${e.traceId}:${e.spanId}`, e.costMicros);
      return attempt;
    }
    if (status >= 400 && status < 500 && status !== 429) throw new Error(`OTLP refused a valid export: ${status} ${text.slice(0, 200)}`);
    if (attempt >= (opts.maxTries ?? 60)) throw new Error(`OTLP export not acknowledged after ${attempt} tries (last ${status})`);
    await sleep(Math.min(2_000, 100 * attempt));
  }
}
