import type { CaughtMail } from "@/dev/mail-catcher";

const base = () => `http://127.0.0.1:${process.env.MAIL_CATCHER_HTTP_PORT}`;

export async function mailbox(to: string): Promise<CaughtMail[]> {
  const res = await fetch(`${base()}/api/messages?to=${encodeURIComponent(to.toLowerCase())}`);
  return (await res.json()) as CaughtMail[];
}

/** Waits until `to` has at least `count` messages (matching `subject` if given). */
export async function waitForMail(to: string, opts: { subject?: RegExp; count?: number; timeoutMs?: number } = {}) {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const all = await mailbox(to);
    const hits = opts.subject ? all.filter((m) => opts.subject!.test(m.subject)) : all;
    if (hits.length >= (opts.count ?? 1)) return hits;
    if (Date.now() > deadline) throw new Error(`No mail for ${to}${opts.subject ? ` matching ${opts.subject}` : ""} within timeout`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
