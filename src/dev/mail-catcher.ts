/**
 * A real SMTP server on loopback that keeps what it receives and shows it over HTTP:
 * the demo's web inbox and the integration tests' mailbox.
 *   GET /              inbox (HTML)      GET /api/messages?to=x   JSON list
 *   GET /messages/:id  one message       DELETE /api/messages     clear
 */
import { createServer, type Server } from "node:http";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

export type CaughtMail = {
  id: number;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
  /** Text attachments (e.g. a scheduled report's CSV), decoded as UTF-8. */
  attachments: { filename: string; contentType: string; text: string }[];
  /** X-Tollgate-* headers (alert / report ids). */
  tollgate: Record<string, string>;
};

function esc(s: string) {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export async function startMailCatcher(opts: { smtpPort: number; httpPort: number; host?: string; quiet?: boolean; max?: number }) {
  const host = opts.host ?? "127.0.0.1";
  const messages: CaughtMail[] = [];
  let nextId = 1;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            id: nextId++,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            receivedAt: new Date().toISOString(),
            attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? "", contentType: a.contentType, text: a.content.toString("utf8") })),
            tollgate: Object.fromEntries([...parsed.headers].filter(([k]) => k.startsWith("x-tollgate-")).map(([k, v]) => [k, String(v)])),
          });
          if (messages.length > (opts.max ?? 5000)) messages.shift();
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(opts.smtpPort, host, () => resolve());
  });
  // A client that dies mid-session (a worker killed by the fault suites) resets its socket: that
  // is the client's problem, not a reason to crash the process the catcher runs in.
  smtp.on("error", (e: Error) => {
    if (!opts.quiet) console.warn("[mail] SMTP client error:", e.message);
  });

  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (req.method === "DELETE" && url.pathname === "/api/messages") {
      messages.length = 0;
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/api/messages") {
      const to = url.searchParams.get("to")?.toLowerCase();
      const list = to ? messages.filter((m) => m.to.includes(to)) : messages;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
      return;
    }
    const m = url.pathname.match(/^\/messages\/(\d+)$/);
    if (m) {
      const msg = messages.find((x) => x.id === Number(m[1]));
      if (!msg) return void res.writeHead(404).end("not found");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<p><a href="/">← Inbox</a></p><p><b>${esc(msg.subject)}</b><br>To: ${esc(msg.to.join(", "))}<br>${esc(msg.receivedAt)}</p><hr>` +
          (msg.html || `<pre>${esc(msg.text)}</pre>`),
      );
      return;
    }
    const rows = [...messages]
      .reverse()
      .map((x) => `<tr><td>${esc(x.receivedAt)}</td><td>${esc(x.to.join(", "))}</td><td><a href="/messages/${x.id}">${esc(x.subject)}</a></td></tr>`)
      .join("");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>Tollgate mail</title><body style="font-family:system-ui;padding:24px"><h1>Inbox (${messages.length})</h1>` +
        `<table cellpadding="6" border="1" style="border-collapse:collapse"><tr><th>Received</th><th>To</th><th>Subject</th></tr>${rows || '<tr><td colspan="3">No mail yet</td></tr>'}</table></body>`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.httpPort, host, () => resolve());
  });
  if (!opts.quiet) console.log(`[mail] SMTP on ${host}:${opts.smtpPort}, inbox at http://${host}:${opts.httpPort}`);

  return {
    messages,
    async close() {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

if (process.argv[1] && /mail-catcher\.ts$/.test(process.argv[1])) {
  await startMailCatcher({ smtpPort: Number(process.env.SMTP_PORT ?? 1025), httpPort: Number(process.env.MAIL_CATCHER_HTTP_PORT ?? 1080) });
}
