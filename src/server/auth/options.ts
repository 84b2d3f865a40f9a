import type { NextAuthOptions } from "next-auth";
import CredentialsImport from "next-auth/providers/credentials";
import EmailImport from "next-auth/providers/email";
import { z } from "zod";
import { env, oidcEnabled } from "@/env";
import { prisma } from "@/server/db";
import { tollgateAdapter } from "./adapter";
import { verifyPassword } from "./password";
import { hitRateLimit } from "./rate-limit";
import { PEER_HEADER } from "@/server/peer-address";
import { sendMail } from "@/server/email/transport";
import { emailLayout, escapeHtml } from "@/server/email/layout";

// next-auth ships CommonJS with `exports.default`: bundlers (Next, vitest) hand us the function,
// Node's own ESM loader (tsx scripts, benchmarks) the module object. Accept both.
function interopDefault<T>(m: T): T {
  return typeof m === "function" ? m : (m as unknown as { default: T }).default;
}
const CredentialsProvider = interopDefault(CredentialsImport);
const EmailProvider = interopDefault(EmailImport);

const Credentials = z.object({ email: z.string().email(), password: z.string().min(1) });

/**
 * Thrown by `authorize` when the limit is hit. next-auth v4 puts a thrown error's message in
 * the `error` of the sign-in result (`?error=<message>`), so the message is a stable code the
 * sign-in form maps to text (see SIGN_IN_ERRORS in features/tenancy/components/sign-in-messages.ts).
 */
export class SignInRateLimited extends Error {
  static readonly code = "RateLimited";
  constructor() {
    super(SignInRateLimited.code);
    this.name = "SignInRateLimited";
  }
}

// next-auth builds its callback and magic-link URLs from NEXTAUTH_URL; default it to APP_URL
// so one variable configures both.
process.env.NEXTAUTH_URL ??= env.APP_URL;

// Compared against when the email is unknown, so a miss costs as much as a wrong password
// and response time doesn't tell which emails have accounts.
const DUMMY_HASH = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.qfY5eP6dV1bD/z8sQe4XDEvZo1S2";

type Headers = Record<string, string | string[] | undefined> | undefined;

/**
 * The client address for per-IP rate limits. `x-forwarded-for` is trusted only as far as
 * TRUSTED_PROXY_COUNT says: each of N proxies appends the address it saw, so the client is the
 * N-th entry from the right and everything left of it is the client's own claim. With no proxy
 * (the default) the header is ignored, since `next start` passes a client-sent one through
 * unchanged, and the TCP peer stamped by src/server/peer-address.ts is used.
 */
export function clientIp(headers: Headers, trustedProxies: number = env.TRUSTED_PROXY_COUNT): string {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : (v ?? ""));
  const peer = one(headers?.[PEER_HEADER]).trim() || "unknown";
  if (trustedProxies <= 0) return peer;
  const list = one(headers?.["x-forwarded-for"]).split(",").map((s) => s.trim()).filter(Boolean);
  // Fewer entries than proxies: the request skipped a proxy, so the list is the client's claim.
  return list.length >= trustedProxies ? list[list.length - trustedProxies]! : peer;
}

/** The credentials provider's check: limit first (per email and per IP), then bcrypt. */
export async function authorizeCredentials(raw: unknown, headers: Headers) {
  const parsed = Credentials.safeParse(raw);
  if (!parsed.success) return null;
  const email = parsed.data.email.toLowerCase();
  const ip = clientIp(headers);
  // Limit per email and per IP, so one attacker can't spray many accounts either.
  const [byEmail, byIp] = await Promise.all([
    hitRateLimit(`signin:email:${email}`, env.SIGNIN_MAX_ATTEMPTS, 15 * 60),
    hitRateLimit(`signin:ip:${ip}`, env.SIGNIN_MAX_ATTEMPTS * 5, 15 * 60),
  ]);
  if (!byEmail.allowed || !byIp.allowed) throw new SignInRateLimited();
  const user = await prisma.user.findUnique({ where: { email } });
  const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !ok) return null;
  return { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerified };
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
      authorize: (raw, req) => authorizeCredentials(raw, req?.headers),
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
    async jwt({ token, user, account }) {
      if (user?.id) {
        token.sub = user.id;
        // A password sign-in to an unverified account: whoever chose the password may not own
        // the address. Sessions are JWTs, so this one is re-checked below until it is settled.
        if (account?.provider === "credentials" && "emailVerified" in user && user.emailVerified === null) token.unverified = true;
        return token;
      }
      if (token.unverified && token.sub) {
        const u = await prisma.user.findUnique({ where: { id: token.sub }, select: { emailVerified: true, passwordHash: true } });
        // Proven by magic link or OIDC, which removed the password (adapter.ts): its sessions end too.
        if (!u || (u.emailVerified && !u.passwordHash)) return {};
        // Proven by the verification link this user's sign-up sent: nothing more to check.
        if (u.emailVerified) delete token.unverified;
      }
      return token;
    },
    async session({ session, token }) {
      if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
      return session;
    },
  },
};
