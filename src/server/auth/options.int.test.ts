import { describe, expect, it } from "vitest";
import { env } from "@/env";
import { createOrg, uniq } from "../../../test/helpers/factory";
import { authOptions, clientIp, SignInRateLimited } from "./options";
import { hitRateLimit } from "./rate-limit";

type Authorize = (creds: Record<string, string>, req: { headers: Record<string, string> }) => Promise<{ id: string; email: string } | null>;

// The user-supplied authorize lives in the provider's `options` (next-auth v4 wraps it).
const provider = authOptions.providers.find((p) => p.id === "credentials") as unknown as { options: { authorize: Authorize } };
const authorize = provider.options.authorize;
const PASSWORD = "correct horse battery"; // test/helpers/factory createOrg
const randomIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe("credentials sign-in", () => {
  it("accepts the right password (any email case) and rejects a wrong one or an unknown email", async () => {
    const { owner } = await createOrg();
    const headers = { "x-tollgate-peer": randomIp() };
    expect(await authorize({ email: owner.email.toUpperCase(), password: PASSWORD }, { headers })).toMatchObject({ id: owner.id, email: owner.email });
    expect(await authorize({ email: owner.email, password: "wrong password" }, { headers })).toBeNull();
    expect(await authorize({ email: `${uniq("nobody")}@example.test`, password: PASSWORD }, { headers })).toBeNull();
    expect(await authorize({ email: "not-an-email", password: PASSWORD }, { headers })).toBeNull();
  });

  it(`rejects after SIGNIN_MAX_ATTEMPTS attempts for one email, even with the right password`, async () => {
    const { owner } = await createOrg();
    for (let i = 0; i < env.SIGNIN_MAX_ATTEMPTS; i++) {
      // A different IP each time: the per-email limit alone must stop this.
      expect(await authorize({ email: owner.email, password: `guess-${i}` }, { headers: { "x-tollgate-peer": randomIp() } })).toBeNull();
    }
    await expect(authorize({ email: owner.email, password: PASSWORD }, { headers: { "x-tollgate-peer": randomIp() } })).rejects.toBeInstanceOf(SignInRateLimited);
    // next-auth passes the thrown message to the client as `error`; the form maps this code.
    await expect(authorize({ email: owner.email, password: PASSWORD }, { headers: { "x-tollgate-peer": randomIp() } })).rejects.toThrow(/^RateLimited$/);
  });

  it("rejects every email from an IP that made too many attempts", async () => {
    const { owner } = await createOrg();
    const ip = randomIp();
    for (let i = 0; i < env.SIGNIN_MAX_ATTEMPTS * 5; i++) await hitRateLimit(`signin:ip:${ip}`, env.SIGNIN_MAX_ATTEMPTS * 5, 15 * 60);
    await expect(authorize({ email: owner.email, password: PASSWORD }, { headers: { "x-tollgate-peer": ip } })).rejects.toBeInstanceOf(SignInRateLimited);
    expect(await authorize({ email: owner.email, password: PASSWORD }, { headers: { "x-tollgate-peer": randomIp() } })).toMatchObject({ id: owner.id });
  });

  it("a client-sent X-Forwarded-For doesn't get around the per-IP limit when no proxy is trusted (TRUSTED_PROXY_COUNT=0)", async () => {
    const { owner } = await createOrg();
    const ip = randomIp();
    for (let i = 0; i < env.SIGNIN_MAX_ATTEMPTS * 5; i++) await hitRateLimit(`signin:ip:${ip}`, env.SIGNIN_MAX_ATTEMPTS * 5, 15 * 60);
    // Same TCP peer, a fresh forged forwarded address each time: still limited.
    await expect(authorize({ email: owner.email, password: PASSWORD }, { headers: { "x-tollgate-peer": ip, "x-forwarded-for": randomIp() } })).rejects.toBeInstanceOf(SignInRateLimited);
  });

  it("trusts X-Forwarded-For only as many hops from the right as there are configured proxies", () => {
    const h = { "x-forwarded-for": "6.6.6.6, 1.1.1.1, 2.2.2.2", "x-tollgate-peer": "9.9.9.9", "x-real-ip": "3.3.3.3" };
    expect(clientIp(h, 0)).toBe("9.9.9.9");
    expect(clientIp(h, 1)).toBe("2.2.2.2");
    expect(clientIp(h, 2)).toBe("1.1.1.1");
    // Fewer entries than proxies: the header didn't come through them; use the peer.
    expect(clientIp({ "x-forwarded-for": "6.6.6.6", "x-tollgate-peer": "9.9.9.9" }, 2)).toBe("9.9.9.9");
    expect(clientIp({}, 0)).toBe("unknown");
  });
});
