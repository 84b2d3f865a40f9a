import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { OutboundUrlError, checkUrlShape, classifyAddress, outboundFetch, type OutboundPolicy } from "./outbound";

const strict: OutboundPolicy = { allowLoopback: false, providerHosts: ["openrouter.ai", "api.openai.com"] };
const local: OutboundPolicy = { allowLoopback: true, providerHosts: ["openrouter.ai", "api.openai.com", "127.0.0.1", "localhost"] };

let server: http.Server;
let port = 0;
const hits: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/redirect") {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("the outbound URL guard", () => {
  it("classifies loopback, private, link-local, metadata, CGNAT and IPv4-mapped addresses as not public", () => {
    expect(classifyAddress("8.8.8.8")).toBe("public");
    expect(classifyAddress("2606:4700::1111")).toBe("public");
    expect(classifyAddress("127.0.0.1")).toBe("loopback");
    expect(classifyAddress("::1")).toBe("loopback");
    for (const a of ["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200", "0.0.0.0", "fd00:ec2::254", "fe80::1", "fc00::1", "::", "224.0.0.1", "255.255.255.255"]) {
      expect(classifyAddress(a), a).toBe("private");
    }
    expect(classifyAddress("::ffff:169.254.169.254")).toBe("private");
    expect(classifyAddress("::ffff:7f00:1")).toBe("loopback");
    expect(classifyAddress("::ffff:a9fe:a9fe")).toBe("private");
  });

  it("refuses a webhook to an IPv4 address written in the other IPv6 forms (IPv4-compatible, SIIT, local-use NAT64) and to site-local IPv6", () => {
    for (const a of ["::a9fe:a9fe", "::7f00:1", "::ffff:0:a9fe:a9fe", "64:ff9b:1::a9fe:a9fe", "fec0::1"]) {
      expect(classifyAddress(a), a).toBe("private");
    }
    expect(() => checkUrlShape("http://[::169.254.169.254]/hook", "webhook", strict)).toThrow(OutboundUrlError);
    expect(() => checkUrlShape("http://[64:ff9b:1::a9fe:a9fe]/hook", "webhook", strict)).toThrow(OutboundUrlError);
    // The well-known NAT64 prefix of a public address stays public.
    expect(classifyAddress("64:ff9b::808:808")).toBe("public");
  });

  it("a provider URL must name an allowed provider host and use https", () => {
    expect(checkUrlShape("https://openrouter.ai/api/v1", "provider", strict).hostname).toBe("openrouter.ai");
    expect(() => checkUrlShape("https://attacker.example/v1", "provider", strict)).toThrow(/Only the provider's own API host/);
    expect(() => checkUrlShape("http://api.openai.com/v1", "provider", strict)).toThrow(/https/);
    expect(() => checkUrlShape("https://user:pw@api.openai.com/v1", "provider", strict)).toThrow(/user name or password/);
    // The fakes on loopback only when configuration allows them.
    expect(() => checkUrlShape("http://127.0.0.1:4010/api/v1", "provider", strict)).toThrow(OutboundUrlError);
    expect(checkUrlShape("http://127.0.0.1:4010/api/v1", "provider", local).port).toBe("4010");
  });

  it("refuses literal private and metadata addresses for webhooks, even when loopback is allowed", () => {
    for (const u of ["http://169.254.169.254/latest/api/token", "http://10.0.0.5/admin", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/"]) {
      expect(() => checkUrlShape(u, "webhook", local), u).toThrow(/private, link-local or reserved/);
    }
    expect(() => checkUrlShape("http://127.0.0.1/", "webhook", strict)).toThrow(/loopback/);
  });

  it("checks the address a host name resolves to, and connects to that checked address", async () => {
    hits.length = 0;
    // "localhost" is a name, not a literal: only the resolution step can see that it is loopback.
    await expect(outboundFetch("webhook", strict)(`http://localhost:${port}/hook`, { method: "POST", body: "{}" })).rejects.toThrow(/localhost resolves to a loopback address/);
    expect(hits).toEqual([]);
    const res = await outboundFetch("webhook", local)(`http://localhost:${port}/hook`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, path: "/hook" });
    expect(hits).toEqual(["/hook"]);
  });

  it("never follows a redirect", async () => {
    hits.length = 0;
    const res = await outboundFetch("webhook", local)(`http://127.0.0.1:${port}/redirect`, { method: "POST", body: "{}" });
    expect(res.status).toBe(302);
    expect(hits).toEqual(["/redirect"]);
  });
});
