import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { POST } from "@/app/api/otlp/v1/traces/route";
import { prisma } from "@/server/db";
import { addMember, createOrg } from "../../../../../test/helpers/factory";
import { createIngestToken } from "../tokens";
import { decodeTraceResponse, encodeTraceRequest } from "./proto";

const hex = (n: number) => randomBytes(n).toString("hex");
type Attr = { key: string; value: Record<string, unknown> };
const s = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const i = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } });
const d = (key: string, v: number): Attr => ({ key, value: { doubleValue: v } });

function span(attrs: Attr[], extra: Record<string, unknown> = {}) {
  const start = BigInt(Date.now() - 5_000) * 1_000_000n;
  return {
    traceId: hex(16),
    spanId: hex(8),
    name: "chat",
    kind: 3,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1_234_000_000n),
    attributes: attrs,
    ...extra,
  };
}

function request(spans: unknown[], resource: Attr[] = [s("service.name", "checkout-api"), s("telemetry.sdk.language", "python")]) {
  return { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: "test" }, spans }] }] };
}

async function setup() {
  const o = await createOrg();
  const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "otlp" });
  return { ...o, token };
}

function send(token: string | null, body: unknown, opts: { proto?: boolean; gzip?: boolean } = {}) {
  let bytes: Uint8Array = opts.proto ? encodeTraceRequest(body) : Buffer.from(JSON.stringify(body));
  if (opts.gzip) bytes = gzipSync(bytes);
  const headers: Record<string, string> = { "content-type": opts.proto ? "application/x-protobuf" : "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.gzip) headers["content-encoding"] = "gzip";
  return POST(new Request("http://localhost/api/otlp/v1/traces", { method: "POST", headers, body: new Uint8Array(bytes) }));
}

const genai = (extra: Attr[] = []) => [
  s("gen_ai.system", "openai"),
  s("gen_ai.request.model", "gpt-4o"),
  s("gen_ai.response.model", "gpt-4o-2024-08-06"),
  i("gen_ai.usage.input_tokens", 1000),
  i("gen_ai.usage.output_tokens", 500),
  s("gen_ai.response.id", "chatcmpl-1"),
  ...extra,
];

describe("POST /api/otlp/v1/traces", () => {
  it("maps GenAI spans (JSON), ignores spans without usage, and counts a re-sent export once", async () => {
    const { org, workspace, token } = await setup();
    const { user: member } = await addMember(org.id, "member");
    const llm = span(genai([i("gen_ai.usage.cache_read.input_tokens", 400), i("gen_ai.usage.output_tokens.reasoning", 200), s("user.id", member.email), s("tollgate.project", "checkout")]));
    const http = span([s("http.request.method", "POST"), s("url.path", "/cart")]);
    const body = request([llm, http]);
    const res = await send(token, body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({});
    expect(res.headers.get("x-tollgate-spans")).toBe("accepted=1 duplicates=0 ignored=1 rejected=0");
    const again = await send(token, body);
    expect(again.headers.get("x-tollgate-spans")).toBe("accepted=0 duplicates=1 ignored=1 rejected=0");

    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id } });
    expect(rows).toHaveLength(1);
    const tag = await prisma.projectTag.findFirstOrThrow({ where: { workspaceId: workspace.id, slug: "checkout" } });
    expect(rows[0]).toMatchObject({
      externalId: `${llm.traceId}:${llm.spanId}`,
      source: "otlp",
      provider: "openai",
      model: "gpt-4o-2024-08-06",
      inputTokens: 1000,
      outputTokens: 500,
      cachedTokens: 400,
      reasoningTokens: 200,
      memberId: member.id,
      projectTagId: tag.id,
      service: "checkout-api",
      language: "python",
      latencyMs: 1234,
      generationId: "chatcmpl-1",
      status: 200,
      costSource: "estimate",
      // gpt-4o: 600 × $2.50/M + 400 cached × $1.25/M + 500 × $10/M (reasoning inside output) = 1500 + 500 + 5000
      costMicros: 7000n,
    });
  });

  it("decodes protobuf (gzip too) and answers in protobuf with partialSuccess for rejected spans", async () => {
    const { workspace, token } = await setup();
    const ok = span(genai());
    const anthropic = span([s("gen_ai.system", "anthropic"), s("gen_ai.request.model", "claude"), i("gen_ai.usage.input_tokens", 5)]);
    const noModel = span([s("gen_ai.system", "openai"), i("gen_ai.usage.input_tokens", 5)]);
    const failed = span(genai([s("error.type", "timeout")]), { status: { code: 2, message: "upstream timed out" } });
    const res = await send(token, request([ok, anthropic, noModel, failed]), { proto: true, gzip: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const reply = decodeTraceResponse(new Uint8Array(await res.arrayBuffer()));
    expect(reply.partialSuccess?.rejectedSpans).toBe("2");
    expect(reply.partialSuccess?.errorMessage).toMatch(/anthropic.*not supported/);
    expect(reply.partialSuccess?.errorMessage).toMatch(/no gen_ai.request.model/);
    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id }, orderBy: { status: "asc" } });
    expect(rows.map((r) => [r.externalId, r.status, r.errorType, r.errorMessage])).toEqual([
      [`${ok.traceId}:${ok.spanId}`, 200, null, null],
      [`${failed.traceId}:${failed.spanId}`, 500, "timeout", "upstream timed out"],
    ]);
  });

  it("maps OpenRouter Broadcast spans: provider openrouter, reported cost wins, trace metadata kept", async () => {
    const { workspace, token } = await setup();
    const b = span([
      s("gen_ai.system", "openrouter"),
      s("gen_ai.request.model", "anthropic/claude-sonnet-4"),
      i("gen_ai.usage.prompt_tokens", 1200),
      i("gen_ai.usage.completion_tokens", 300),
      i("gen_ai.usage.total_tokens", 1500),
      d("gen_ai.usage.cost", 0.0081),
      s("openrouter.trace.id", "gen-abc"),
      s("user.id", "end-user-7"),
      s("session.id", "sess-1"),
      s("trace.metadata.project", "Search"),
      s("trace.metadata.feature", "autocomplete"),
    ]);
    const res = await send(token, request([b], [s("service.name", "openrouter")]));
    expect(res.status).toBe(200);
    const row = await prisma.usageEvent.findFirstOrThrow({ where: { workspaceId: workspace.id } });
    const tag = await prisma.projectTag.findFirstOrThrow({ where: { workspaceId: workspace.id, slug: "search" } });
    expect(row).toMatchObject({
      source: "broadcast",
      provider: "openrouter",
      model: "anthropic/claude-sonnet-4",
      inputTokens: 1200,
      outputTokens: 300,
      costMicros: 8100n,
      costSource: "provider",
      endUser: "end-user-7",
      projectTagId: tag.id,
      metadata: { session_id: "sess-1", openrouter_trace_id: "gen-abc", feature: "autocomplete" },
    });
  });

  it("keeps a Broadcast span whose trace metadata is cut at 512 characters inside an emoji, and the rest of the export", async () => {
    const { workspace, token } = await setup();
    // 511 characters and an emoji (two UTF-16 units): a cut at 512 would leave half of it,
    // which jsonb refuses, and the whole export (every span's cost) would be answered 400.
    const note = `${"a".repeat(511)}😀`;
    const b = span([s("gen_ai.system", "openrouter"), s("gen_ai.request.model", "openai/gpt-4o"), i("gen_ai.usage.prompt_tokens", 10), d("gen_ai.usage.cost", 0.001), s("trace.metadata.note", note)]);
    const other = span([s("gen_ai.system", "openrouter"), s("gen_ai.request.model", "openai/gpt-4o"), i("gen_ai.usage.prompt_tokens", 10), d("gen_ai.usage.cost", 0.002)]);
    const res = await send(token, request([b, other]));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tollgate-spans")).toBe("accepted=2 duplicates=0 ignored=0 rejected=0");
    const row = await prisma.usageEvent.findFirstOrThrow({ where: { workspaceId: workspace.id, externalId: `${b.traceId}:${b.spanId}` } });
    expect(row.costMicros).toBe(1000n);
    expect((row.metadata as Record<string, string>).note).toBe(`${"a".repeat(511)}\ufffd`);
  });

  it("answers 401 as a google.rpc.Status in the request's encoding, and 415 for other media types", async () => {
    const res = await send("tg_ingest_bad", request([]), { proto: false });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16, message: expect.stringMatching(/ingest token/) });
    const proto = await send(null, request([]), { proto: true });
    expect(proto.status).toBe(401);
    expect(proto.headers.get("content-type")).toBe("application/x-protobuf");
    const other = await POST(new Request("http://localhost/api/otlp/v1/traces", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }));
    expect(other.status).toBe(415);
  });

  it("accepts an empty export (the Broadcast connection test)", async () => {
    const { token } = await setup();
    const res = await send(token, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });
});
