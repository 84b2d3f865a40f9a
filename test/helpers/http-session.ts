/**
 * Signs in over HTTP through next-auth's credentials endpoint, as the sign-in form does, and
 * returns the Cookie header for later requests. For tests that talk to a running `next start`.
 */
export async function signInOverHttp(baseUrl: string, email: string, password: string): Promise<string> {
  const csrfRes = await fetch(new URL("/api/auth/csrf", baseUrl));
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(new URL("/api/auth/callback/credentials", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: baseUrl }),
    redirect: "manual",
  });
  const session = res.headers.getSetCookie().find((c) => /session-token=/.test(c));
  if (!session) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return [...jar, session.split(";")[0]].join("; ");
}
