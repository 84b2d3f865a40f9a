/**
 * Instruments for aimed faults (test/faults/aimed-kill.fault.ts): they stop a worker's outbound
 * call at a chosen moment so the test can kill the worker there, instead of on a timer.
 * - `startHoldingProxy`: an HTTP proxy in front of a fake provider; `holdNext(match)` parks the
 *   next matching request (the upstream answer is not fetched) until the test releases it.
 * - `startHoldingSmtp`: an SMTP server whose DATA answer the test controls per message: "hold"
 *   (the 250 is never sent while the client lives: the message is not accepted, RFC 5321 §6.1),
 *   "accept-then" (the 250 is written, then a hook runs in the same tick: the kill lands between
 *   "accepted" and "marked sent"), or "accept".
 * Both keep a list of what they saw, the test's independent ledger.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

export type Held = { path: string; clientPid: number | null; release: () => void };

/**
 * The pid of the local process whose TCP socket has source port `port` (the client of one of our
 * servers): the process to aim a kill at. Asked before the server answers, so the client is
 * still waiting for that answer.
 */
export function pidOfClientPort(port: number): number | null {
  try {
    const out = execFileSync("ss", ["-Htnp", "state", "established", `( sport = :${port} )`], { encoding: "utf8", timeout: 5_000 });
    const m = out.match(/pid=(\d+)/);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export async function startHoldingProxy(target: string) {
  const upstream = new URL(target);
  const waiting: { match: (path: string) => boolean; resolve: (h: Held) => void }[] = [];
  const seen: string[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const up = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    up.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      seen.push(path);
      const i = waiting.findIndex((w) => w.match(path));
      if (i < 0) return forward(req, res, Buffer.concat(chunks));
      const [w] = waiting.splice(i, 1);
      const clientPid = pidOfClientPort(req.socket.remotePort ?? 0);
      // The client is killed while parked; releasing then answers a closed socket (harmless).
      w!.resolve({ path, clientPid, release: () => (res.destroyed ? undefined : forward(req, res, Buffer.concat(chunks))) });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    /** The proxy with the target's path prefix (e.g. "/v1"), to use as the connection's base URL. */
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, "")}`,
    seen,
    /** Resolves with the parked request once one matching `match` arrives. */
    holdNext: (match: (path: string) => boolean) => new Promise<Held>((resolve) => waiting.push({ match, resolve })),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type SmtpMode = { kind: "accept" } | { kind: "hold"; onHeld: (m: SeenMail) => void } | { kind: "accept-then"; after: (m: SeenMail) => void };
export type SeenMail = { to: string[]; subject: string; messageId: string; alertId: string; accepted: boolean; at: number; clientPid: number | null };

export async function startHoldingSmtp(port: number) {
  const mails: SeenMail[] = [];
  // Modes for the next messages, in arrival order; "accept" once the queue is empty.
  const plan: SmtpMode[] = [];
  const held: (() => void)[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const clientPid = plan.length ? pidOfClientPort(session.remotePort) : null;
      simpleParser(stream)
        .then((p) => {
          const m: SeenMail = {
            clientPid,
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: p.subject ?? "",
            messageId: p.messageId ?? "",
            alertId: String(p.headers.get("x-tollgate-alert") ?? ""),
            accepted: false,
            at: Date.now(),
          };
          mails.push(m);
          const mode = plan.shift() ?? { kind: "accept" };
          if (mode.kind === "hold") {
            // Never answered while the client lives: once it is gone, the server discards it.
            held.push(() => callback(new Error("discarded: the client went away before the answer")));
            mode.onHeld(m);
            return;
          }
          m.accepted = true;
          callback();
          if (mode.kind === "accept-then") mode.after(m);
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(port, "127.0.0.1", () => resolve());
  });
  smtp.on("error", () => undefined); // the aimed kills reset client sockets on purpose
  return {
    mails,
    plan,
    /** Answers (with an error) every held message; their clients are gone by then. */
    dropHeld: () => held.splice(0).forEach((f) => f()),
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

/** xorshift32: a seeded generator, so a run can be replayed. */
function seeded(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

export type ProxiedCall = { at: number; method: string; path: string; body: string; outcome: "forwarded" | "timed-out" | "flapped"; status: number };

/**
 * A provider that times out and flaps, in front of a fake: `timeoutRate` of the requests are
 * held `holdMs` (past the client's timeout) and then dropped unprocessed (the provider never
 * saw them); within `lagMs` of a change of a key's `disabled` (a PATCH that reached the fake),
 * `flapRate` of the reads of that key (GET /keys/{hash}) answer its previous status (a provider
 * whose reads flap between replicas after a write). `disabledOf(hash)` reads the fake's truth.
 * Every request is logged.
 */
export async function startFlakyProxy(
  target: string,
  opts: { timeoutRate: number; flapRate: number; holdMs: number; lagMs: number; seed: number; disabledOf: (hash: string) => boolean },
) {
  const changed = new Map<string, { at: number; previous: boolean }>();
  const hashOf = (path: string) => /\/keys\/([^/?]+)$/.exec(path.split("?")[0]!)?.[1] ?? null;
  const upstream = new URL(target);
  const rnd = seeded(opts.seed);
  const calls: ProxiedCall[] = [];
  let on = true;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "/";
      const call: ProxiedCall = { at: Date.now(), method: req.method ?? "GET", path, body: body.toString("utf8"), outcome: "forwarded", status: 0 };
      calls.push(call);
      if (on && rnd() < opts.timeoutRate) {
        call.outcome = "timed-out";
        setTimeout(() => res.destroy(), opts.holdMs);
        return;
      }
      const hash = hashOf(path);
      const recent = hash ? changed.get(hash) : undefined;
      const flap = on && req.method === "GET" && !!recent && Date.now() - recent.at < opts.lagMs && rnd() < opts.flapRate;
      if (hash && req.method === "PATCH" && /"disabled"/.test(call.body)) changed.set(hash, { at: Date.now(), previous: opts.disabledOf(hash) });
      const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: { ...req.headers, host: upstream.host } }, (r) => {
        const parts: Buffer[] = [];
        r.on("data", (c: Buffer) => parts.push(c));
        r.on("end", () => {
          call.status = r.statusCode ?? 0;
          let out = Buffer.concat(parts);
          if (flap && call.status === 200) {
            const j = JSON.parse(out.toString("utf8")) as { data?: { disabled?: boolean } };
            if (j.data && typeof j.data.disabled === "boolean" && recent) {
              j.data.disabled = recent.previous;
              call.outcome = "flapped";
              out = Buffer.from(JSON.stringify(j));
            }
          }
          const headers = { ...r.headers, "content-length": String(out.length) };
          delete headers["transfer-encoding"];
          res.writeHead(call.status, headers).end(out);
        });
      });
      up.on("error", () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, "")}`,
    calls,
    /** Turns both faults off (or on again). */
    setFaults: (v: boolean) => {
      on = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
