import type { Adapter, AdapterAccount, AdapterUser } from "next-auth/adapters";
import { prisma } from "@/server/db";

// The slice of the next-auth adapter that JWT sessions with magic links and OIDC use.
function toAdapterUser(u: { id: string; email: string; name: string | null; image: string | null; emailVerified: Date | null }): AdapterUser {
  return { id: u.id, email: u.email, name: u.name, image: u.image, emailVerified: u.emailVerified };
}

export function tollgateAdapter(): Adapter {
  return {
    async createUser(user: AdapterUser) {
      const u = await prisma.user.create({
        data: { email: user.email.toLowerCase(), name: user.name ?? null, image: user.image ?? null, emailVerified: user.emailVerified ?? null },
      });
      return toAdapterUser(u);
    },
    async getUser(id) {
      const u = await prisma.user.findUnique({ where: { id } });
      return u ? toAdapterUser(u) : null;
    },
    async getUserByEmail(email) {
      const u = await prisma.user.findUnique({ where: { email: email.toLowerCase() } });
      return u ? toAdapterUser(u) : null;
    },
    async getUserByAccount({ provider, providerAccountId }) {
      const a = await prisma.account.findUnique({ where: { provider_providerAccountId: { provider, providerAccountId } }, include: { user: true } });
      return a ? toAdapterUser(a.user) : null;
    },
    async updateUser(user) {
      // next-auth sets emailVerified on a magic-link sign-in. The first one to an unverified
      // account also removes its password: whoever chose it never proved the address
      // (account pre-hijacking, features/tenancy/server/email-verification.ts).
      const before = user.emailVerified ? await prisma.user.findUnique({ where: { id: user.id }, select: { emailVerified: true } }) : null;
      const u = await prisma.user.update({
        where: { id: user.id },
        data: {
          name: user.name ?? undefined,
          image: user.image ?? undefined,
          emailVerified: user.emailVerified ?? undefined,
          ...(before && before.emailVerified === null ? { passwordHash: null } : {}),
        },
      });
      return toAdapterUser(u);
    },
    async linkAccount(account: AdapterAccount) {
      // An OIDC account linked to an unverified user: the provider proved the address, the
      // password set before it did not (same rule as the magic link above).
      await prisma.user.updateMany({ where: { id: account.userId, emailVerified: null }, data: { emailVerified: new Date(), passwordHash: null } });
      await prisma.account.create({
        data: {
          userId: account.userId,
          type: account.type,
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          refresh_token: account.refresh_token ?? null,
          access_token: account.access_token ?? null,
          expires_at: account.expires_at ?? null,
          token_type: account.token_type ?? null,
          scope: account.scope ?? null,
          id_token: account.id_token ?? null,
          session_state: typeof account.session_state === "string" ? account.session_state : null,
        },
      });
    },
    async createVerificationToken(token) {
      await prisma.verificationToken.create({ data: token });
      return token;
    },
    async useVerificationToken({ identifier, token }) {
      try {
        return await prisma.verificationToken.delete({ where: { identifier_token: { identifier, token } } });
      } catch {
        return null; // already used or never existed
      }
    },
  };
}
