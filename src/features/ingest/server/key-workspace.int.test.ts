import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { POST as OTLP } from "@/app/api/otlp/v1/traces/route";
import { POST as PUSH } from "@/app/api/v1/usage/route";
import { prisma } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { makeKey } from "@/features/budgets/test/fixtures";
import { createIngestToken } from "./tokens";

const hex = (n: number) => randomBytes(n).toString("hex");

/** One org, workspaces A and B, a tracked key in each, and A's ingest token. */
async function setup() {
  const o = await createOrg();
  const b = await prisma.workspace.create({ data: { orgId: o.org.id, name: "B", slug: uniq("b") } });
  await prisma.projectTag.create({ data: { orgId: o.org.id, workspaceId: b.id, slug: "default", name: "Default", isDefault: true } });
  const keyA = await makeKey(o.org.id, { connectionId: null, provider: "openrouter", providerKeyId: `hash-a-${hex(4)}`, workspaceId: o.workspace.id });
  const keyB = await makeKey(o.org.id, { connectionId: null, provider: "openrouter", providerKeyId: `hash-b-${hex(4)}`, workspaceId: b.id });
  const loose = await makeKey(o.org.id, { connectionId: null, provider: "openrouter", providerKeyId: `hash-n-${hex(4)}`, workspaceId: null });
  const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "ws-a" });
  return { ...o, b, keyA, keyB, loose, token };
}

const push = (token: string, events: unknown[]) =>
  PUSH(new Request("http://localhost/api/v1/usage", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ events }) }));
const ev = (id: string, apiKey: string, extra: Record<string, unknown> = {}) => ({ id, timestamp: new Date(Date.now() - 60_000).toISOString(), provider: "openrouter", model: "openai/gpt-4o-mini", api_key: apiKey, cost_usd: "0.01", ...extra });

describe("an ingest token only puts spend on keys of its own workspace", () => {
  it("push: an event naming a key of another workspace of the org is refused with 400 naming events.N.api_key, and nothing is written", async () => {
    const { org, keyA, keyB, token } = await setup();
    const res = await push(token, [ev("ok-1", keyA.providerKeyId), ev("bad-1", keyB.providerKeyId, { project: "brand-new-project" })]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; issues?: { path: string; message: string }[] } };
    expect(body.error.issues).toEqual([{ path: "events.1.api_key", message: expect.stringMatching(/another workspace/) }]);
    expect(await prisma.usageEvent.count({ where: { orgId: org.id } })).toBe(0);
    expect(await prisma.projectTag.count({ where: { orgId: org.id, slug: "brand-new-project" } })).toBe(0);
  });

  it("push: its own keys, keys without a workspace and keys Tollgate doesn't track are accepted", async () => {
    const { org, workspace, keyA, loose, token } = await setup();
    const res = await push(token, [ev("own", keyA.providerKeyId), ev("loose", loose.providerKeyId), ev("untracked", "hash-unknown")]);
    expect(res.status).toBe(202);
    const rows = await prisma.usageEvent.findMany({ where: { orgId: org.id }, orderBy: { externalId: "asc" } });
    expect(rows.map((r) => [r.externalId, r.workspaceId, r.providerKeyId])).toEqual([
      ["loose", workspace.id, loose.id],
      ["own", workspace.id, keyA.id],
      ["untracked", workspace.id, null],
    ]);
  });

  it("OTLP: a span naming a key of another workspace is rejected (partial success with the reason), the others are kept", async () => {
    const { org, keyA, keyB, token } = await setup();
    const span = (key: string) => ({
      traceId: hex(16), spanId: hex(8), startTimeUnixNano: String(BigInt(Date.now() - 5_000) * 1_000_000n),
      attributes: [
        { key: "gen_ai.system", value: { stringValue: "openrouter" } },
        { key: "gen_ai.request.model", value: { stringValue: "openai/gpt-4o-mini" } },
        { key: "gen_ai.usage.input_tokens", value: { intValue: "10" } },
        { key: "tollgate.api_key", value: { stringValue: key } },
      ],
    });
    const res = await OTLP(new Request("http://localhost/api/otlp/v1/traces", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span(keyA.providerKeyId), span(keyB.providerKeyId)] }] }] }) }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess).toMatchObject({ rejectedSpans: "1", errorMessage: expect.stringMatching(/another workspace/) });
    const rows = await prisma.usageEvent.findMany({ where: { orgId: org.id } });
    expect(rows.map((r) => r.providerKeyId)).toEqual([keyA.id]);
  });
});
