import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PEER_HEADER, installPeerAddressHeader } from "./peer-address";

let server: http.Server;
let url = "";
beforeAll(async () => {
  installPeerAddressHeader();
  installPeerAddressHeader(); // idempotent
  server = http.createServer((req, res) => res.end(JSON.stringify({ peer: req.headers[PEER_HEADER], xff: req.headers["x-forwarded-for"] })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("the peer address header", () => {
  it("carries the socket's address and overwrites a value the client sent", async () => {
    const res = await fetch(url, { headers: { [PEER_HEADER]: "6.6.6.6", "x-forwarded-for": "6.6.6.6" } });
    expect(await res.json()).toEqual({ peer: "127.0.0.1", xff: "6.6.6.6" });
  });
});
