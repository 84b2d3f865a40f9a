"use server";

import { headers } from "next/headers";
import { SignUpInput } from "@/features/tenancy/schemas";
import { clientIp } from "@/server/auth/options";
import { signUp } from "@/features/tenancy/server/orgs";
import { runPublicAction } from "@/features/tenancy/server/public-action";

// Not a tenant action: there is no org yet. The client signs in right after.
export async function signUpAction(input: SignUpInput) {
  return runPublicAction(SignUpInput, input, async (i) => {
    const h = await headers();
    const ip = clientIp(Object.fromEntries(h.entries()));
    const { org } = await signUp(i, { ip });
    return { orgSlug: org.slug };
  });
}
