/**
 * The one guard for requests Tollgate makes to URLs that a tenant chose: provider base URLs
 * (the request carries the decrypted management/admin key) and budget webhooks.
 *
 * Rules:
 * - Every address the host resolves to must be public. Private (RFC 1918, ULA), loopback,
 *   link-local (incl. the 169.254.169.254 / fd00:ec2::254 metadata services), CGNAT,
 *   multicast and reserved ranges are refused. Loopback alone can be allowed by configuration
 *   (`OUTBOUND_ALLOW_LOOPBACK`), which tests and the demo set so the local fakes and webhook
 *   receivers work; nothing else private is ever allowed.
 * - Provider URLs must also name a host of the allow-list (`PROVIDER_ALLOWED_HOSTS`, by default
 *   the providers' own hosts) and use https (plain http only to an allowed loopback host).
 * - The host is resolved once, inside the socket's own `lookup`, and the connection goes to the
 *   address that was checked, so DNS rebinding between "check" and "connect" is impossible.
 *   IP literals skip `lookup` in Node, so they are checked before the request.
 * - Redirects are never followed: a 3xx is returned to the caller as it is.
 */
import http from "node:http";
import https from "node:https";
import dns from "node:dns";
import net from "node:net";
import type { LookupFunction } from "node:net";
import { env } from "@/env";

export type OutboundPurpose = "provider" | "webhook";

export type OutboundPolicy = {
  allowLoopback: boolean;
  /** Hosts a provider base URL may name (lower-case). Not used for webhooks. */
  providerHosts: readonly string[];
};

/** The operator's own OPENROUTER_BASE_URL / OPENAI_BASE_URL hosts are trusted like the allow-list. */
export const defaultPolicy = (): OutboundPolicy => ({
  allowLoopback: env.OUTBOUND_ALLOW_LOOPBACK,
  providerHosts: [...env.PROVIDER_ALLOWED_HOSTS, ...[env.OPENROUTER_BASE_URL, env.OPENAI_BASE_URL].map((u) => new URL(u).hostname.replace(/^\[|\]$/g, "").toLowerCase())],
});

export class OutboundUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutboundUrlError";
  }
}

const refused = new net.BlockList();
for (const [net4, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24],
  ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) refused.addSubnet(net4, bits, "ipv4");
// ::/96 (IPv4-compatible, deprecated; also the unspecified ::), ::ffff:0:0:0/96 (SIIT) and
// 64:ff9b:1::/48 (local-use NAT64, RFC 8215) carry an IPv4 address a translator may reach;
// fec0::/10 is deprecated site-local, still routed inside some networks.
for (const [net6, bits] of [
  ["::", 96], ["::ffff:0:0:0", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
] as const) refused.addSubnet(net6, bits, "ipv6");
const loopback = new net.BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** An IPv4 address embedded in an IPv6 one (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), else null. */
function embeddedV4(ip: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export type AddressClass = "public" | "loopback" | "private";

export function classifyAddress(address: string): AddressClass {
  const v4 = net.isIPv4(address) ? address : embeddedV4(address.toLowerCase());
  if (v4) {
    if (loopback.check(v4, "ipv4")) return "loopback";
    return refused.check(v4, "ipv4") ? "private" : "public";
  }
  if (!net.isIPv6(address)) return "private";
  if (loopback.check(address, "ipv6")) return "loopback";
  return refused.check(address, "ipv6") ? "private" : "public";
}

function assertAddress(address: string, host: string, policy: OutboundPolicy) {
  const c = classifyAddress(address);
  if (c === "public" || (c === "loopback" && policy.allowLoopback)) return;
  throw new OutboundUrlError(`${host} resolves to a ${c === "loopback" ? "loopback" : "private, link-local or reserved"} address, which Tollgate does not call`);
}

const bareHost = (u: URL) => u.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** Checks what can be checked without DNS: scheme, provider allow-list, IP literals. */
export function checkUrlShape(raw: string, purpose: OutboundPurpose, policy: OutboundPolicy = defaultPolicy()): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new OutboundUrlError("Enter a full http(s) URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new OutboundUrlError("Use an http:// or https:// URL");
  if (u.username || u.password) throw new OutboundUrlError("A URL with a user name or password is not allowed");
  const host = bareHost(u);
  if (purpose === "provider") {
    if (!policy.providerHosts.includes(host)) throw new OutboundUrlError(`Only the provider's own API host is allowed (${policy.providerHosts.filter((h) => !net.isIP(h) && h !== "localhost").join(", ") || "none configured"})`);
    const local = host === "localhost" || (net.isIP(host) !== 0 && classifyAddress(host) === "loopback");
    if (u.protocol !== "https:" && !(local && policy.allowLoopback)) throw new OutboundUrlError("Use https:// (the request carries the provider key)");
  }
  if (net.isIP(host)) assertAddress(host, host, policy);
  return u;
}

/** Resolves `host` and refuses it unless every address passes; the checked addresses are what the socket connects to. */
function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, cb: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err, "", 0);
      try {
        if (addresses.length === 0) throw new OutboundUrlError(`${hostname} does not resolve`);
        for (const a of addresses) assertAddress(a.address, hostname, policy);
      } catch (e) {
        return cb(e as Error, "", 0);
      }
      if (options.all) return cb(null, addresses);
      cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

function toBuffer(body: RequestInit["body"]): Buffer | undefined {
  if (body == null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new Error("outboundFetch sends string or byte bodies only");
}

/**
 * A `fetch` for tenant-chosen URLs (same signature, so the provider clients take it as their
 * fetch). Buffers the answer (capped) and never follows redirects.
 */
export function outboundFetch(purpose: OutboundPurpose, policy: OutboundPolicy = defaultPolicy()): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const u = checkUrlShape(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, purpose, policy);
    const body = toBuffer(init.body);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    if (body) headers["content-length"] = String(body.length);
    const lib = u.protocol === "https:" ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = lib.request(u, { method: init.method ?? "GET", headers, lookup: guardedLookup(policy), signal: init.signal ?? undefined, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new OutboundUrlError("The answer is too large"));
          else chunks.push(c);
        });
        res.on("error", reject);
        res.on("end", () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 304 || status < 200;
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status: status < 200 ? 502 : status, headers: h }));
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  }) as typeof fetch;
}
