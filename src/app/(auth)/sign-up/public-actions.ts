"use server";

import { SignUpInput } from "@/features/tenancy/schemas";
import { signUp } from "@/features/tenancy/server/orgs";
import { runPublicAction } from "@/features/tenancy/server/public-action";

// Not a tenant action: there is no org yet. The client signs in right after.
export async function signUpAction(input: SignUpInput) {
  return runPublicAction(SignUpInput, input, async (i) => {
    const { org } = await signUp(i);
    return { orgSlug: org.slug };
  });
}
