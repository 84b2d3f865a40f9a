import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { createOrg } from "../../../../test/helpers/factory";
import { requestPause } from "./actions";
import { applyAction } from "./apply";

// Found by test/faults/providers-flap.fault.ts: a provider whose reads flap between replicas
// right after a change. One stale "disabled" read must not make Tollgate take a key it is about
// to pause for someone else's (and then leave it enabled).

let or: FakeOpenRouter;
let proxy: Server;
let proxyUrl = "";
/** Hashes whose next GET /keys/{hash} answers disabled: true (a stale replica), once. */
const staleOnce = new Set<string>();

beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 97 });
  const up = new URL(or.url);
  proxy = createServer((req, res) => {
    const hash = /\/keys\/([^/?]+)$/.exec((req.url ?? "").split("?")[0]!)?.[1];
    const stale = req.method === "GET" && !!hash && staleOnce.delete(hash);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (r) => {
        const parts: Buffer[] = [];
        r.on("data", (c: Buffer) => parts.push(c));
        r.on("end", () => {
          let body = Buffer.concat(parts);
          if (stale && r.statusCode === 200) {
            const j = JSON.parse(body.toString("utf8")) as { data: { disabled: boolean } };
            j.data.disabled = true;
            body = Buffer.from(JSON.stringify(j));
          }
          res.writeHead(r.statusCode ?? 502, { "content-type": "application/json", "content-length": String(body.length) }).end(body);
        });
      });
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${up.pathname}`;
});

afterAll(async () => {
  await new Promise<void>((r) => proxy.close(() => r()));
  await or.close();
});

describe("pausing through flapping reads", () => {
  it("a stale 'disabled' read of an enabled key does not stop its pause", async () => {
    const o = await createOrg();
    const conn = await makeConnection(o.org.id, "openrouter", proxyUrl, or.state.managementKey, o.workspace.id);
    const fk = or.state.createKey({ name: "flap" });
    const key = await makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, label: "Flap", workspaceId: o.workspace.id });
    staleOnce.add(fk.hash);
    const id = await requestPause({ orgId: o.org.id, providerKeyId: key.id, budgetId: null, reason: "test", dedupeKey: `test-flap:${key.id}`, periodStart: null });
    expect(await applyAction(id!)).toMatchObject({ status: "confirmed", detail: "applied" });
    expect(or.state.isDisabled(fk.hash)).toBe(true);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: key.id } })).toMatchObject({ status: "paused", pausedByTollgate: true });
  });

  it("a key that keeps reading disabled is still someone else's pause, never Tollgate's", async () => {
    const o = await createOrg();
    const conn = await makeConnection(o.org.id, "openrouter", proxyUrl, or.state.managementKey, o.workspace.id);
    const fk = or.state.createKey({ name: "off", disabled: true });
    const key = await makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, label: "Off", workspaceId: o.workspace.id });
    const id = await requestPause({ orgId: o.org.id, providerKeyId: key.id, budgetId: null, reason: "test", dedupeKey: `test-off:${key.id}`, periodStart: null });
    expect(await applyAction(id!)).toMatchObject({ status: "confirmed", detail: "external" });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: key.id } })).toMatchObject({ pausedByTollgate: false });
  });
});
