import { env } from "@/env";
import { prisma } from "@/server/db";
import { badRequest } from "@/server/errors";
import { generateToken, sha256Hex } from "@/server/crypto";
import { hitRateLimit } from "@/server/auth/rate-limit";
import { sendMail } from "@/server/email/transport";
import { emailLayout, escapeHtml } from "@/server/email/layout";

/**
 * Email verification for password accounts (against account pre-hijacking: someone signs up
 * first with another person's address, who later arrives by magic link or invitation).
 *
 * Rules:
 * - Password sign-up sends a link; the account is unverified until it is opened.
 * - An unverified account can sign in with its password and use the org it created (nothing
 *   of anyone else's is reachable from it), but it cannot accept an invitation: joining
 *   someone else's org needs a proven address. Accepting while unverified re-sends the link.
 * - The first magic-link or OIDC sign-in to an unverified account proves the address and
 *   removes the password (src/server/auth/adapter.ts), so whoever set it is locked out.
 * Tokens live in verification_tokens as a SHA-256 under their own identifier prefix (next-auth's
 * magic-link tokens use the bare email), expire after a day and work once.
 */
const PREFIX = "verify-email:";
const TTL_MS = 24 * 3_600_000;

export function verificationUrl(email: string, token: string): string {
  return `${env.APP_URL.replace(/\/$/, "")}/verify-email?${new URLSearchParams({ email, token })}`;
}

/** Sends a fresh link (at most 5 per address per hour). Returns false when rate limited. */
export async function sendVerificationEmail(user: { email: string }): Promise<boolean> {
  const email = user.email.toLowerCase();
  const limit = await hitRateLimit(`verify-email:${email}`, 5, 3600);
  if (!limit.allowed) return false;
  const token = generateToken("tg_verify", 32);
  await prisma.verificationToken.create({ data: { identifier: PREFIX + email, token: sha256Hex(token), expires: new Date(Date.now() + TTL_MS) } });
  const url = verificationUrl(email, token);
  await sendMail({
    to: email,
    subject: "Verify your email for Tollgate",
    text: `Confirm that ${email} is yours:\n${url}\n\nThe link works once and expires in 24 hours. Until then you can't join other organizations' invitations.`,
    html: emailLayout({
      title: "Verify your email",
      bodyHtml: `<p>Confirm that ${escapeHtml(email)} is yours. The link works once and expires in 24 hours.</p>`,
      action: { label: "Verify email", url },
    }),
  });
  return true;
}

/** Opens a link: the token is used up and the account is verified. */
export async function verifyEmail(rawEmail: string, token: string): Promise<{ email: string }> {
  const email = rawEmail.trim().toLowerCase();
  const invalid = () => badRequest("This verification link is not valid or has expired. Sign in to get a new one.");
  // A NUL byte can't be in any stored address, and PostgreSQL refuses it in a query (a 500).
  if (!email || !token || email.includes("\u0000")) throw invalid();
  const used = await prisma.verificationToken.deleteMany({ where: { identifier: PREFIX + email, token: sha256Hex(token), expires: { gt: new Date() } } });
  if (used.count !== 1) throw invalid();
  await prisma.user.updateMany({ where: { email, emailVerified: null }, data: { emailVerified: new Date() } });
  return { email };
}
