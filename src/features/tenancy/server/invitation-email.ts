import { emailLayout, escapeHtml } from "@/server/email/layout";
import type { Mail } from "@/server/email/transport";
import { roleWithArticle } from "../schemas";
import type { Role } from "@/generated/prisma/enums";

export function invitationEmail(opts: { to: string; orgName: string; inviter: string; role: Role; url: string; expiresAt: Date }): Mail {
  const role = roleWithArticle(opts.role);
  const expires = opts.expiresAt.toUTCString();
  return {
    to: opts.to,
    subject: `You're invited to ${opts.orgName} on Tollgate`,
    text: [
      `${opts.inviter} invited you to join ${opts.orgName} on Tollgate as ${role}.`,
      "",
      `Accept the invitation: ${opts.url}`,
      "",
      `The link works once and expires on ${expires}. If you weren't expecting this, ignore this email.`,
    ].join("\n"),
    html: emailLayout({
      title: `Join ${opts.orgName} on Tollgate`,
      bodyHtml:
        `<p>${escapeHtml(opts.inviter)} invited you to join <strong>${escapeHtml(opts.orgName)}</strong> as ${escapeHtml(role)}.</p>` +
        `<p style="color:#6b7280">The link works once and expires on ${escapeHtml(expires)}. If you weren't expecting this, ignore this email.</p>`,
      action: { label: "Accept invitation", url: opts.url },
    }),
  };
}
