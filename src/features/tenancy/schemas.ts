import { z } from "zod";
import { NO_NUL } from "@/lib/form-schemas";

// Browser-safe: forms and server actions share these.
export const slugSchema = z
  .string()
  .trim()
  .min(2, "At least 2 characters")
  .max(48, "At most 48 characters")
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Lowercase letters, digits and single dashes");

// PostgreSQL refuses a NUL byte in text: refused here (400), it would otherwise fail the query (500).

export const SignUpInput = z.object({
  name: z.string().trim().min(1, "Enter your name").max(100).regex(NO_NUL, "Remove the NUL character"),
  email: z.string().trim().toLowerCase().email("Enter a valid email address"),
  password: z.string().min(10, "Use at least 10 characters").max(200),
  orgName: z.string().trim().min(2, "At least 2 characters").max(100).regex(NO_NUL, "Remove the NUL character"),
});
export type SignUpInput = z.infer<typeof SignUpInput>;

export function slugify(s: string): string {
  return (
    s
      .toLowerCase()
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "") // accents split off by NFKD: "ü" → "u"
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "org"
  );
}

export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export const RoleInput = z.enum(ROLES, { error: "Choose a role" });
export type RoleInput = z.infer<typeof RoleInput>;

export const ROLE_LABELS: Record<RoleInput, string> = {
  owner: "Owner",
  admin: "Admin",
  member: "Member",
  viewer: "Viewer",
};

/** "a member", "an admin", "an owner", "a viewer". */
export function roleWithArticle(role: RoleInput): string {
  const r = ROLE_LABELS[role].toLowerCase();
  return `${/^[aeiou]/.test(r) ? "an" : "a"} ${r}`;
}

const email = z.string().trim().toLowerCase().email("Enter a valid email address");
const id = (what: string) => z.string().min(1, `${what} is required`).max(64).regex(NO_NUL, `Not a valid ${what.toLowerCase()} id`);

export const SignInInput = z.object({
  email,
  password: z.string().min(1, "Enter your password"),
});
export type SignInInput = z.infer<typeof SignInInput>;

export const MagicLinkInput = z.object({ email });
export type MagicLinkInput = z.infer<typeof MagicLinkInput>;

export const CreateOrgInput = z.object({ name: SignUpInput.shape.orgName });
export type CreateOrgInput = z.infer<typeof CreateOrgInput>;

export const InviteMemberInput = z.object({ email, role: RoleInput });
export type InviteMemberInput = z.infer<typeof InviteMemberInput>;

export const ChangeRoleInput = z.object({ membershipId: id("Member"), role: RoleInput });
export type ChangeRoleInput = z.infer<typeof ChangeRoleInput>;

export const MembershipIdInput = z.object({ membershipId: id("Member") });
export type MembershipIdInput = z.infer<typeof MembershipIdInput>;

export const InvitationIdInput = z.object({ invitationId: id("Invitation") });
export type InvitationIdInput = z.infer<typeof InvitationIdInput>;

export const InvitationTokenInput = z.object({ token: z.string().min(10, "Invalid invitation link").max(200) });
export type InvitationTokenInput = z.infer<typeof InvitationTokenInput>;

/** Sign-up from an invitation: the email is the invitation's, and no new org is created. */
export const InviteSignUpInput = InvitationTokenInput.extend({
  name: SignUpInput.shape.name,
  password: SignUpInput.shape.password,
});
export type InviteSignUpInput = z.infer<typeof InviteSignUpInput>;

/** Only same-site paths are followed after sign-in ("/acme/budgets", never "//evil.example"). */
export function safeCallbackPath(raw: string | null | undefined, fallback = "/"): string {
  if (!raw || !raw.startsWith("/")) return fallback;
  // Resolve it as the browser will: URL parsing drops tabs and newlines and reads "\\" as "/",
  // so "/\t/evil.example" is "//evil.example". Only a path that stays on our origin is followed.
  const base = "http://callback.invalid";
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return fallback;
  }
  return url.origin === base ? url.pathname + url.search + url.hash : fallback;
}
