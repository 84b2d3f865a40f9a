/**
 * The TCP peer's address as a request header, for per-IP rate limits.
 *
 * Route handlers and server actions only see headers (Next.js exposes no socket), and `next
 * start` fills `x-forwarded-for` from the socket only when the client did not send one, so with
 * the app exposed directly that header is whatever the client wants. This hook stamps every
 * incoming request with the socket's address under PEER_HEADER, overwriting any value the
 * client sent, before Next.js sees it. It is installed from `src/instrumentation.ts` (Node
 * runtime, once per server process). clientIp() uses it when no proxy is trusted.
 */
import http from "node:http";
import https from "node:https";

export const PEER_HEADER = "x-tollgate-peer";

const installed = Symbol.for("tollgate.peer-address-header");

export function installPeerAddressHeader(): void {
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as Record<PropertyKey, unknown>[]) {
    if (proto[installed]) continue;
    const emit = proto.emit as (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === "request") {
        const req = args[0] as http.IncomingMessage;
        req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "unknown";
      }
      return emit.call(this, event, ...args);
    };
    proto[installed] = true;
  }
}
