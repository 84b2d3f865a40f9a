import { describe, expect, it } from "vitest";
import type { JWT } from "next-auth/jwt";
import type { Session } from "next-auth";
import { prisma } from "@/server/db";
import { uniq } from "../../../test/helpers/factory";
import { signUp } from "@/features/tenancy/server/orgs";
import { verifyEmail } from "@/features/tenancy/server/email-verification";
import { waitForMail } from "../../../test/helpers/mail";
import { authOptions, authorizeCredentials } from "./options";
import { tollgateAdapter } from "./adapter";

const PASSWORD = "attacker chose this one";
const peer = () => ({ "x-tollgate-peer": `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` });

// What next-auth does with a JWT session: the jwt callback at sign-in (with `user`), then on
// every later request the jwt callback (without) and the session callback.
async function signInToken(user: { id: string; email: string; emailVerified: Date | null }, provider = "credentials"): Promise<JWT> {
  const jwt = authOptions.callbacks!.jwt! as (p: unknown) => Promise<JWT>;
  return jwt({ token: { email: user.email }, user, account: { provider, type: provider === "credentials" ? "credentials" : "oauth" }, trigger: "signIn" });
}
async function sessionUserId(token: JWT): Promise<string | null> {
  const jwt = authOptions.callbacks!.jwt! as (p: unknown) => Promise<JWT>;
  const session = authOptions.callbacks!.session! as (p: unknown) => Promise<Session>;
  const next = await jwt({ token });
  const s = await session({ session: { user: { email: token.email }, expires: new Date(Date.now() + 3_600_000).toISOString() }, token: next });
  return (s.user as { id?: string } | undefined)?.id ?? null;
}

describe("sessions of a password chosen before the address was proven", () => {
  it("a password session on an unverified account ends when the owner of the address signs in by magic link", async () => {
    const email = `${uniq("victim")}@example.test`;
    const { user } = await signUp({ name: "Pre-hijacker", email, password: PASSWORD, orgName: uniq("org") });
    const attacker = await signInToken((await authorizeCredentials({ email, password: PASSWORD }, peer()))!);
    expect(await sessionUserId(attacker)).toBe(user.id);
    // The real owner opens a magic link: next-auth marks the address verified (the password goes).
    await tollgateAdapter().updateUser!({ id: user.id, emailVerified: new Date() });
    expect(await sessionUserId(attacker)).toBeNull();
  });

  it("a new OIDC user's session is kept (next-auth hands the jwt callback the user as created, still unverified)", async () => {
    const email = `${uniq("sso")}@example.test`;
    const adapter = tollgateAdapter();
    const created = await adapter.createUser!({ id: "", email, emailVerified: null });
    await adapter.linkAccount!({ userId: created.id, type: "oauth", provider: "oidc", providerAccountId: uniq("sub") });
    const token = await signInToken({ id: created.id, email, emailVerified: null }, "oidc");
    expect(await sessionUserId(token)).toBe(created.id);
  });

  it("a password session survives when its own user verifies the address by the emailed link", async () => {
    const email = `${uniq("self")}@example.test`;
    const { user } = await signUp({ name: "Self", email, password: PASSWORD, orgName: uniq("org") });
    const token = await signInToken((await authorizeCredentials({ email, password: PASSWORD }, peer()))!);
    const [mail] = await waitForMail(email, { subject: /Verify your email/ });
    const link = new URL(mail!.text.match(/http:\/\/localhost:3000\/verify-email\?\S+/)![0]);
    await verifyEmail(link.searchParams.get("email")!, link.searchParams.get("token")!);
    expect(await sessionUserId(token)).toBe(user.id);
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).not.toBeNull();
  });
});
