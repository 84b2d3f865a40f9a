"use server";

import { InvitationTokenInput, InviteSignUpInput } from "@/features/tenancy/schemas";
import { acceptInvitation, signUpFromInvitation } from "@/features/tenancy/server/invitations";
import { runPublicAction } from "@/features/tenancy/server/public-action";
import { unauthorized } from "@/server/errors";
import { getSessionUserId } from "@/server/next/session";

// Not tenant actions: the invitee isn't a member yet; the token is the credential.
export async function acceptInvitationAction(input: InvitationTokenInput) {
  const userId = await getSessionUserId();
  return runPublicAction(InvitationTokenInput, input, async (i) => {
    if (!userId) throw unauthorized("Sign in to accept this invitation");
    return acceptInvitation(userId, i.token);
  });
}

export async function inviteSignUpAction(input: InviteSignUpInput) {
  return runPublicAction(InviteSignUpInput, input, (i) => signUpFromInvitation(i));
}
