"use server";

import { CreateOrgInput } from "@/features/tenancy/schemas";
import { createOrg } from "@/features/tenancy/server/orgs";
import { runPublicAction } from "@/features/tenancy/server/public-action";
import { unauthorized } from "@/server/errors";
import { getSessionUserId } from "@/server/next/session";

// Not a tenant action: the org doesn't exist yet. The signed-in user becomes its owner.
export async function createOrgAction(input: CreateOrgInput) {
  const userId = await getSessionUserId();
  return runPublicAction(CreateOrgInput, input, async (i) => {
    if (!userId) throw unauthorized();
    return createOrg(userId, i);
  });
}
