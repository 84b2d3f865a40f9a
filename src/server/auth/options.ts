import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import EmailProvider from "next-auth/providers/email";
import { z } from "zod";
import { env, oidcEnabled } from "@/env";
import { prisma } from "@/server/db";
import { tollgateAdapter } from "./adapter";
import { verifyPassword } from "./password";
import { hitRateLimit } from "./rate-limit";
import { sendMail } from "@/server/email/transport";
import { emailLayout, escapeHtml } from "@/server/email/layout";

const Credentials = z.object({ email: z.string().email(), password: z.string().min(1) });

export class SignInRateLimited extends Error {
  constructor() {
    super("Too many sign-in attempts. Wait a few minutes and try again.");
  }
}

export const authOptions: NextAuthOptions = {
  secret: env.NEXTAUTH_SECRET,
  adapter: tollgateAdapter(),
  session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
  pages: { signIn: "/sign-in", verifyRequest: "/sign-in?check-email=1", error: "/sign-in" },
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const parsed = Credentials.safeParse(raw);
        if (!parsed.success) return null;
        const email = parsed.data.email.toLowerCase();
        const fwd = req?.headers?.["x-forwarded-for"];
        const ip = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(",")[0]?.trim() ?? "local";
        // Limit per email and per IP, so one attacker can't spray many accounts either.
        const [byEmail, byIp] = await Promise.all([
          hitRateLimit(`signin:email:${email}`, env.SIGNIN_MAX_ATTEMPTS, 15 * 60),
          hitRateLimit(`signin:ip:${ip}`, env.SIGNIN_MAX_ATTEMPTS * 5, 15 * 60),
        ]);
        if (!byEmail.allowed || !byIp.allowed) throw new SignInRateLimited();
        const user = await prisma.user.findUnique({ where: { email } });
        if (!user?.passwordHash) return null;
        if (!(await verifyPassword(parsed.data.password, user.passwordHash))) return null;
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
    EmailProvider({
      // next-auth requires `server`; delivery goes through our own transport below.
      server: { host: env.SMTP_HOST, port: env.SMTP_PORT },
      from: env.EMAIL_FROM,
      maxAge: 15 * 60,
      async sendVerificationRequest({ identifier, url }) {
        const limited = await hitRateLimit(`magic:${identifier.toLowerCase()}`, 5, 15 * 60);
        if (!limited.allowed) throw new SignInRateLimited();
        await sendMail({
          to: identifier,
          subject: "Your Tollgate sign-in link",
          text: `Sign in to Tollgate:\n${url}\n\nThe link works once and expires in 15 minutes.`,
          html: emailLayout({
            title: "Sign in to Tollgate",
            bodyHtml: `<p>Use this link to sign in as ${escapeHtml(identifier)}. It works once and expires in 15 minutes.</p>`,
            action: { label: "Sign in", url },
          }),
        });
      },
    }),
    ...(oidcEnabled
      ? [
          {
            id: "oidc",
            name: env.OIDC_NAME,
            type: "oauth" as const,
            wellKnown: `${env.OIDC_ISSUER!.replace(/\/$/, "")}/.well-known/openid-configuration`,
            clientId: env.OIDC_CLIENT_ID!,
            clientSecret: env.OIDC_CLIENT_SECRET!,
            idToken: true,
            checks: ["pkce", "state"] as ("pkce" | "state")[],
            authorization: { params: { scope: "openid email profile" } },
            profile(p: { sub: string; email: string; name?: string; picture?: string }) {
              return { id: p.sub, email: p.email, name: p.name ?? null, image: p.picture ?? null };
            },
          },
        ]
      : []),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    async session({ session, token }) {
      if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
      return session;
    },
  },
};
