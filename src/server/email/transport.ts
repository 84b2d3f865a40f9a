import nodemailer, { type Transporter } from "nodemailer";
import { env } from "@/env";

export type Mail = {
  to: string | string[];
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /** A fixed Message-ID ("<local@domain>"); nodemailer makes a random one when absent. */
  messageId?: string;
  attachments?: { filename: string; content: Buffer | string; contentType: string }[];
};

let transporter: Transporter | undefined;

function transport(): Transporter {
  transporter ??= nodemailer.createTransport({
    host: env.SMTP_HOST,
    port: env.SMTP_PORT,
    secure: env.SMTP_SECURE,
    auth: env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? "" } : undefined,
    // Local catchers speak plain SMTP; don't insist on STARTTLS.
    ignoreTLS: !env.SMTP_SECURE && ["127.0.0.1", "localhost"].includes(env.SMTP_HOST),
    // Reuse a few SMTP connections: a new connection per message (connect, greeting, EHLO)
    // costs ~3× the send itself, which is most of an alert's crossing → email latency.
    pool: true,
    maxConnections: 5,
  });
  return transporter;
}

/** Sends one message; resolves once the SMTP server accepted it. */
export async function sendMail(mail: Mail): Promise<{ messageId: string }> {
  const info = await transport().sendMail({ from: env.EMAIL_FROM, ...mail });
  return { messageId: info.messageId };
}
