import { env } from "@/env";
import { prisma } from "@/server/db";
import { sendMail } from "@/server/email/transport";
import { outboundFetch } from "@/server/outbound";
import { buildMessage } from "./messages";
import { recipientsFor } from "./recipients";
import { renderEmail, renderWebhook, type AlertMessage } from "./templates";

/**
 * Delivers one claimed alert: email and webhook, each tracked on the alert row.
 *
 * Each channel is leased before it is used: `pending → sending` by a conditional UPDATE that
 * only one worker can win (or a `sending` lease older than LEASE_MS, left by a crashed
 * worker). After the SMTP server accepts, the channel is `sent` and never sent again;
 * retries (BullMQ attempts, the sweep) only redo channels still pending. A crash in the gap
 * between "accepted" and "marked sent" can repeat one email after the lease expires: SMTP
 * has no idempotency key, so that window is the floor. Every copy of one alert's email carries
 * the same Message-ID (<alert-ID@tollgate>, set here, not by the transport), so mail stores that
 * collapse duplicates by Message-ID show it once; X-Tollgate-Alert lets a filter drop it too.
 * test/faults/aimed-kill.fault.ts kills a worker inside that window and counts the copy.
 */
const LEASE_MS = env.ALERT_DELIVERY_LEASE_MS;
const WEBHOOK_TIMEOUT_MS = 10_000;
const GIVE_UP_MS = 24 * 3_600_000;

type Channel = "email" | "webhook";
const statusCol = { email: "emailStatus", webhook: "webhookStatus" } as const;
const atCol = { email: "emailedAt", webhook: "webhookedAt" } as const;
const errCol = { email: "emailError", webhook: "webhookError" } as const;

async function lease(alertId: string, ch: Channel, now: Date): Promise<boolean> {
  const r = await prisma.alert.updateMany({
    where: {
      id: alertId,
      OR: [{ [statusCol[ch]]: "pending" }, { [statusCol[ch]]: "sending", [atCol[ch]]: { lt: new Date(now.getTime() - LEASE_MS) } }],
    },
    data: { [statusCol[ch]]: "sending", [atCol[ch]]: now },
  });
  return r.count === 1;
}

async function finish(alertId: string, ch: Channel, status: "sent" | "pending" | "failed" | "none", error: string | null) {
  await prisma.alert.update({
    where: { id: alertId },
    data: { [statusCol[ch]]: status, [errCol[ch]]: error, ...(status === "sent" ? { [atCol[ch]]: new Date() } : {}) },
  });
}

/** One Message-ID per alert email, the same on every attempt (so a repeated copy is recognisably the same message). */
export function alertMessageId(alertId: string): string {
  return `<alert-${alertId}@tollgate>`;
}

export type DeliveryResult = { email: string; webhook: string };

const DUE = new Set(["pending", "sending"]);

export async function deliverAlert(alertId: string, opts: { finalAttempt?: boolean } = {}): Promise<DeliveryResult | null> {
  const alert = await prisma.alert.findUnique({ where: { id: alertId }, include: { org: { select: { slug: true } } } });
  if (!alert) return null;
  const result: DeliveryResult = { email: alert.emailStatus, webhook: alert.webhookStatus };
  const emailDue = DUE.has(alert.emailStatus);
  const webhookDue = DUE.has(alert.webhookStatus);
  if (!emailDue && !webhookDue) return result;
  const budget = alert.budgetId ? await prisma.budget.findFirst({ where: { id: alert.budgetId, orgId: alert.orgId } }) : null;
  let message: AlertMessage | null = null;
  const getMessage = async () => (message ??= await buildMessage(alert, alert.org.slug, budget));
  const failures: string[] = [];
  const done = async (ch: Channel, status: "sent" | "pending" | "failed" | "none", error: string | null) => {
    await finish(alert.id, ch, status, error);
    result[ch] = status;
  };
  const onError = async (ch: Channel, e: unknown) => {
    const msg = (e as Error).message?.slice(0, 500) ?? String(e);
    failures.push(`${ch}: ${msg}`);
    // A job's last attempt leaves the channel pending: the minute sweep queues it again, so an
    // SMTP or webhook outage delays alerts instead of dropping them. After a day we give up.
    const giveUp = opts.finalAttempt && Date.now() - alert.createdAt.getTime() > GIVE_UP_MS;
    await done(ch, giveUp ? "failed" : "pending", msg);
  };

  if (emailDue && (await lease(alert.id, "email", new Date()))) {
    try {
      const to = await recipientsFor(alert, budget);
      if (to.length === 0) await done("email", "none", "No recipients");
      else {
        const mail = renderEmail(await getMessage());
        await sendMail({ to, ...mail, messageId: alertMessageId(alert.id), headers: { "X-Tollgate-Alert": alert.id } });
        await done("email", "sent", null);
      }
    } catch (e) {
      await onError("email", e);
    }
  } else if (emailDue) result.email = "sending";

  if (webhookDue && (await lease(alert.id, "webhook", new Date()))) {
    try {
      const url = budget?.webhookUrl ?? null;
      if (!url) await done("webhook", "none", null);
      else {
        // The outbound guard: public addresses only (checked after DNS), redirects not followed.
        // Only the status is kept: the target's answer is never stored or shown.
        const res = await outboundFetch("webhook")(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "Tollgate-Alerts/1" },
          body: JSON.stringify(renderWebhook(await getMessage())),
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        if (!res.ok) throw new Error(`Webhook answered HTTP ${res.status}`);
        await done("webhook", "sent", null);
      }
    } catch (e) {
      await onError("webhook", e);
    }
  } else if (webhookDue) result.webhook = "sending";

  if (failures.length) throw new Error(`Alert ${alert.id} delivery failed (${failures.join("; ")}); will retry`);
  return result;
}
